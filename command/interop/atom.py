"""The Atom feed (RFC 4287) of a subtree's current CAP alerts.

One entry per incident, identified by the URL of its CAP alert: when the incident changes,
the entry's `updated` moves and its content is the new message (an Update or the Cancel),
which is how feed readers expect a changed entry to look. The full CAP alert is embedded
as the entry's content (type application/cap+xml), so a subscriber needs no second request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from lxml import etree

from command.interop import cap, cap_rules
from command.interop.alerts import Alert
from command.units.models import Unit

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CAP_MEDIA_TYPE = "application/cap+xml"
STATUS_SCHEME = f"{cap_rules.NAMESPACE}#status"
FEED_TITLE = "{unit} 当前预警与事件 / current alerts (CAP 1.2)"


def _add(
    parent: etree._Element, tag: str, text: str | None = None, **attributes: str
) -> etree._Element:
    child = etree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        child.text = cap.xml_text(text)
    return child


def _cap(alert: etree._Element, path: str) -> str:
    found = alert.find(path.replace("cap:", f"{{{cap_rules.NAMESPACE}}}"))
    return found.text if found is not None and found.text else ""


def _entry(feed: etree._Element, alert: Alert, base_url: str, zone: tzinfo, sender: str) -> str:
    element = alert.element(zone, sender)
    url = f"{base_url}api/incidents/{alert.incident_id}/cap"
    updated = _cap(element, "cap:sent")
    entry = _add(feed, "entry")
    _add(entry, "id", url)
    _add(entry, "title", _cap(element, "cap:info/cap:headline"))
    _add(entry, "updated", updated)
    author = _add(entry, "author")
    _add(author, "name", _cap(element, "cap:info/cap:senderName"))
    _add(entry, "category", term=_cap(element, "cap:status"), scheme=STATUS_SCHEME)
    _add(entry, "link", rel="alternate", type=CAP_MEDIA_TYPE, href=url)
    _add(entry, "summary", _cap(element, "cap:info/cap:description"))
    content = _add(entry, "content", type=CAP_MEDIA_TYPE)
    content.append(element)
    return updated


def render(
    alerts: Sequence[Alert],
    *,
    root: Unit,
    self_url: str,
    base_url: str,
    zone: tzinfo,
    now: datetime,
    sender: str,
) -> bytes:
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    feed.set(XML_LANG, "zh-CN")
    _add(feed, "id", self_url)
    _add(feed, "title", FEED_TITLE.format(unit=root.name))
    updated = _add(feed, "updated")
    author = _add(feed, "author")
    _add(author, "name", sender)
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "generator", cap_rules.SOURCE)
    times = [_entry(feed, alert, base_url, zone, sender) for alert in alerts]
    # Latest change of any entry; an empty feed was last updated now.
    updated.text = max(times, key=datetime.fromisoformat) if times else cap.cap_time(now, zone)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
