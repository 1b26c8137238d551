"""One CAP 1.2 alert from one message of an incident: XML out, nothing read or written.

Element order follows the schema's sequences. Times carry their offset and no fraction
of a second ("2026-05-01T08:30:00+08:00"; UTC as "-00:00", never "Z"). One info block per
language in cap_rules.LANGUAGES; one area per block, from the incident's geometry, with
the unit's administrative division code as a geocode.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from lxml import etree

from command.interop import cap_area, cap_rules
from command.interop.cap_messages import Message

# Characters XML 1.0 cannot carry (control characters a client may have sent in a text).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Place:
    """Where an incident happened, as CAP names it."""

    name: str
    name_en: str
    division_code: str


def cap_time(value: datetime, zone: tzinfo) -> str:
    text = value.astimezone(zone).replace(microsecond=0).isoformat()
    return text[:-6] + "-00:00" if text.endswith("+00:00") else text


def xml_text(value: Any) -> str:
    return NOT_XML.sub("", str(value))


def _add(parent: etree._Element, tag: str, text: Any | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{cap_rules.NAMESPACE}}}{tag}")
    if text is not None:
        child.text = xml_text(text)
    return child


def _pair(parent: etree._Element, tag: str, name: str, value: Any) -> None:
    element = _add(parent, tag)
    _add(element, "valueName", name)
    _add(element, "value", value)


def cap_categories(category: str, kind: str) -> tuple[str, ...]:
    words = kind.lower()
    for word, categories in cap_rules.TYPE_CATEGORIES.get(category, {}).items():
        if word in words:
            return categories
    return cap_rules.CAP_CATEGORIES[category]


def urgency(incident: dict[str, Any]) -> str:
    status = incident["status"]
    if status != cap_rules.CLOSED and incident["level"] in cap_rules.IMMEDIATE_LEVELS:
        return "Immediate"
    return cap_rules.URGENCY[status]


def _words(incident: dict[str, Any], place: Place, language: str) -> dict[str, str]:
    text = cap_rules.TEXT[language]
    category = cap_rules.category_name(incident["category"], language)
    unit = place.name if language == "zh-CN" else (place.name_en or place.name)
    values = {
        "exercise": text["exercise"] if incident["exercise"] else "",
        "level": cap_rules.level_name(incident["level"], language),
        "category": category,
        "unit": unit,
        "title": incident["title"],
        "summary": incident["summary"],
        "type": incident["type"],
    }
    headline = text["headline"].format(**values)[: cap_rules.HEADLINE_MAX]
    event = text["event"].format(**values) if incident["type"] else category
    return {"headline": headline, "event": event, "unit": unit}


def _description(incident: dict[str, Any], language: str) -> str:
    text = cap_rules.TEXT[language]
    figures = text["figures"].format(**incident["casualties"], **_numbers(incident))
    if language == "zh-CN":
        parts = [incident["summary"], figures]
    else:
        parts = [text["original"].format(**incident), figures]
    if incident["status"] == cap_rules.CLOSED:
        parts.append(text["closed"])
    return "\n".join(part for part in parts if part)


def _numbers(incident: dict[str, Any]) -> dict[str, Any]:
    return {"affected": incident["affected"], "loss": cap_area.number(incident["loss"])}


def _parameters(info: etree._Element, incident: dict[str, Any]) -> None:
    _pair(info, "parameter", cap_rules.INCIDENT_PARAMETER, incident["id"])
    _pair(info, "parameter", cap_rules.LEVEL_PARAMETER, incident["level"] or "")
    figures = {**incident["casualties"], **_numbers(incident)}
    for figure in cap_rules.FIGURES:
        _pair(info, "parameter", cap_rules.FIGURE_PARAMETER.format(figure=figure), figures[figure])


def _area(info: etree._Element, incident: dict[str, Any], place: Place, unit: str) -> None:
    area = _add(info, "area")
    _add(area, "areaDesc", unit)
    shapes = cap_area.shapes_of(incident["geometry"], incident["level"])
    for ring in shapes.polygons:
        _add(area, "polygon", cap_area.polygon_text(ring))
    for circle in shapes.circles:
        _add(area, "circle", cap_area.circle_text(circle))
    _pair(area, "geocode", cap_rules.GEOCODE_NAME, place.division_code)


def _info(alert: etree._Element, incident: dict, place: Place, language: str, zone: tzinfo) -> None:
    words = _words(incident, place, language)
    info = _add(alert, "info")
    _add(info, "language", language)
    for category in cap_categories(incident["category"], incident["type"]):
        _add(info, "category", category)
    _add(info, "event", words["event"])
    for response in cap_rules.RESPONSE_TYPES[incident["status"]]:
        _add(info, "responseType", response)
    _add(info, "urgency", urgency(incident))
    _add(info, "severity", cap_rules.SEVERITY[incident["level"]])
    _add(info, "certainty", cap_rules.CERTAINTY[incident["status"]])
    _pair(info, "eventCode", cap_rules.CATEGORY_CODE, incident["category"])
    if incident["type"]:
        _pair(info, "eventCode", cap_rules.TYPE_CODE, incident["type"])
    _add(info, "onset", cap_time(datetime.fromisoformat(incident["occurred_at"]), zone))
    _add(info, "senderName", words["unit"])
    _add(info, "headline", words["headline"])
    _add(info, "description", _description(incident, language))
    if language == "zh-CN" and incident["measures"]:
        _add(info, "instruction", incident["measures"])
    _parameters(info, incident)
    _area(info, incident, place, words["unit"])


def reference(message: Message, sender: str, zone: tzinfo) -> str:
    return f"{sender},{message.identifier},{cap_time(message.sent, zone)}"


def render(
    message: Message,
    earlier: Sequence[Message],
    place: Place,
    zone: tzinfo,
    sender: str,
) -> etree._Element:
    """The alert element of `message`, signed by `sender`; `earlier` are the messages it
    references."""
    incident = message.incident
    alert = etree.Element(f"{{{cap_rules.NAMESPACE}}}alert", nsmap={None: cap_rules.NAMESPACE})
    _add(alert, "identifier", message.identifier)
    _add(alert, "sender", sender)
    _add(alert, "sent", cap_time(message.sent, zone))
    _add(alert, "status", "Exercise" if incident["exercise"] else "Actual")
    _add(alert, "msgType", message.msg_type)
    _add(alert, "source", cap_rules.SOURCE)
    _add(alert, "scope", cap_rules.SCOPE)
    _add(alert, "restriction", cap_rules.RESTRICTION)
    if incident["exercise"]:
        _add(alert, "note", cap_rules.TEXT["zh-CN"]["note"].format(incident=incident["id"]))
    if earlier:
        _add(alert, "references", " ".join(reference(m, sender, zone) for m in earlier))
    _add(alert, "incidents", cap_rules.INCIDENTS.format(incident=incident["id"]))
    for language in cap_rules.LANGUAGES:
        _info(alert, incident, place, language, zone)
    return alert


def to_bytes(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)
