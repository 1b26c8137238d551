"""POST /api/cap refuses hostile XML (400, nothing expanded), schema failures (422 with the
schema's message), the spec's other rules (422), and everything else a client can get
wrong; every refusal writes nothing."""

from __future__ import annotations

import time

import pytest

from tests.conftest import bearer
from tests.interop_fixtures import CAP, foreign_alert, row_counts

BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE alert [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alert xmlns="{CAP}"><identifier>&lol9;</identifier></alert>"""
QUADRATIC = (
    f'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY a "{"x" * 50_000}">]>'
    f'<alert xmlns="{CAP}"><note>{"&a;" * 10_000}</note></alert>'
)
EXTERNAL_ENTITY = f"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<alert xmlns="{CAP}"><identifier>&secret;</identifier></alert>"""
EXTERNAL_DTD = f"""<?xml version="1.0"?>
<!DOCTYPE alert SYSTEM "http://127.0.0.1:9/evil.dtd">
<alert xmlns="{CAP}"><identifier>x</identifier></alert>"""
PARAMETER_ENTITY = f"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>
<alert xmlns="{CAP}"/>"""
XINCLUDE = foreign_alert().replace(
    b"<scope>Public</scope>",
    b'<scope>Public</scope><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
    b'href="file:///etc/passwd" parse="text"/>',
)

HOSTILE = {
    "billion laughs": BILLION_LAUGHS,
    "quadratic blowup": QUADRATIC,
    "external entity": EXTERNAL_ENTITY,
    "external DTD": EXTERNAL_DTD,
    "parameter entity": PARAMETER_ENTITY,
}


def _swap(old: bytes, new: bytes) -> bytes:
    body = foreign_alert()
    assert old in body
    return body.replace(old, new)


SCHEMA_FAILURES = {
    "unknown status": (foreign_alert(status="Rumour"), "Rumour"),
    "fractional sent": (foreign_alert(sent="2026-06-01T08:00:00.5+08:00"), "sent"),
    "sent in Z": (foreign_alert(sent="2026-06-01T00:00:00Z"), "sent"),
    "no identifier": (_swap(b"<identifier>HLJ-QX-2026-0042</identifier>", b""), "identifier"),
    "CAP 1.1 namespace": (
        foreign_alert().replace(b"emergency:cap:1.2", b"emergency:cap:1.1"),
        "No matching global declaration",
    ),
    "unknown severity": (foreign_alert(severity="Apocalyptic"), "Apocalyptic"),
    "elements out of order": (
        _swap(
            b"<status>Actual</status>\n  <msgType>Alert</msgType>",
            b"<msgType>Alert</msgType><status>Actual</status>",
        ),
        "msgType",
    ),
    "XInclude is not processed": (XINCLUDE, "include"),
}

RULE_FAILURES = {
    "polygon of three pairs": (
        foreign_alert(polygon="50.2,127.4 50.3,127.5 50.2,127.4"),
        "at least 4",
    ),
    "polygon not closed": (
        foreign_alert(polygon="50.2,127.4 50.3,127.5 50.3,127.6 50.2,127.5"),
        "same",
    ),
    "latitude out of range": (
        foreign_alert(polygon="95,127.4 50.3,127.5 50.3,127.6 95,127.4"),
        "WGS84",
    ),
    "self-intersecting polygon": (
        foreign_alert(polygon="50.2,127.4 50.3,127.5 50.2,127.5 50.3,127.4 50.2,127.4"),
        "Self-intersection",
    ),
    "not a number": (foreign_alert(polygon="nan,127.4 50.3,127.5 50.3,127.6 nan,127.4"), "pair"),
    "pair without comma": (
        foreign_alert(polygon="50.2 127.4 50.3,127.5 50.3,127.6 50.2 127.4"),
        "pair",
    ),
    "circle without radius": (foreign_alert(polygon="", circle="50.2,127.4"), "circle"),
    "negative radius": (foreign_alert(polygon="", circle="50.2,127.4 -3"), "radius"),
    "infinite radius": (foreign_alert(polygon="", circle="50.2,127.4 inf"), "radius"),
    "references not triples": (
        foreign_alert(msg_type="Update", references="a,b"),
        "sender,identifier,sent",
    ),
    "references with a bad time": (
        foreign_alert(msg_type="Update", references="a,b,yesterday"),
        "sent",
    ),
    "update without references": (foreign_alert(msg_type="Update"), "reference"),
    "cancel without references": (foreign_alert(msg_type="Cancel"), "reference"),
    "space in identifier": (foreign_alert(identifier="HLJ 42"), "identifier"),
    "comma in sender": (foreign_alert(sender="qx,gov"), "sender"),
    "identifier too long": (foreign_alert(identifier="x" * 300), "255"),
    "test message": (foreign_alert(status="Test"), "Test"),
    "draft message": (foreign_alert(status="Draft"), "Draft"),
    "acknowledgement": (foreign_alert(msg_type="Ack"), "Ack"),
    "time out of range": (foreign_alert(onset="0001-01-01T00:00:00+08:00"), "onset"),
}


async def _post(
    client, token: str | None, body: bytes | str, content_type: str = "application/cap+xml"
):
    headers = {"Content-Type": content_type, **(bearer(token) if token else {})}
    content = body.encode() if isinstance(body, str) else body
    return await client.post("/api/cap", content=content, headers=headers)


@pytest.mark.parametrize("case", HOSTILE)
async def test_hostile_xml_is_refused_without_expanding(app, client, demo, case):
    before = await row_counts(app)
    started = time.monotonic()
    response = await _post(client, demo["commander"], HOSTILE[case])
    assert response.status_code == 400, response.text
    assert "DTD" in response.json()["error"]["message"]
    assert "root:" not in response.text and "lollol" not in response.text
    assert time.monotonic() - started < 2
    assert await row_counts(app) == before


@pytest.mark.parametrize("case", SCHEMA_FAILURES)
async def test_schema_failures_carry_the_schema_message(app, client, demo, case):
    body, words = SCHEMA_FAILURES[case]
    before = await row_counts(app)
    response = await _post(client, demo["commander"], body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["message"].startswith("not a valid CAP 1.2 alert: line ")
    assert words in error["message"] + str(error["details"])
    assert {d["type"] for d in error["details"]} == {"cap_schema"}
    assert "root:" not in response.text
    assert await row_counts(app) == before


@pytest.mark.parametrize("case", RULE_FAILURES)
async def test_spec_rule_failures_are_422(app, client, demo, case):
    body, words = RULE_FAILURES[case]
    before = await row_counts(app)
    response = await _post(client, demo["commander"], body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["message"].startswith("CAP 1.2: ") and words in error["message"]
    assert await row_counts(app) == before


async def test_every_other_refusal_writes_nothing(app, client, demo):
    before = await row_counts(app)
    too_big = foreign_alert().replace(b"<note>", b"") + b"<!--" + b"x" * 1_100_000 + b"-->"
    cases = [
        (None, foreign_alert(), "application/cap+xml", 401),
        (demo["reporter"], foreign_alert(), "application/cap+xml", 403),
        (demo["coordinator"], foreign_alert(), "application/cap+xml", 403),
        (demo["display"], foreign_alert(), "application/cap+xml", 403),
        (demo["commander"], foreign_alert(), "application/json", 415),
        (demo["commander"], foreign_alert(), "", 415),
        (demo["commander"], b"", "application/xml", 400),
        (demo["commander"], b"   ", "application/xml", 400),
        (demo["commander"], b"not xml at all", "application/xml", 400),
        (demo["commander"], foreign_alert()[:-20], "application/xml", 400),
        (demo["commander"], b"\xff\xfe<alert/>", "application/xml", 400),
        (demo["commander"], too_big, "application/xml", 413),
        (demo["commander"], b"<" * 300 + b"a/>", "application/xml", 400),
    ]
    for token, body, content_type, status in cases:
        response = await _post(client, token, body, content_type)
        assert response.status_code == status, (status, body[:40], response.text)
        assert response.json()["error"]["message"]
    assert await row_counts(app) == before


async def test_an_alert_without_info_is_no_warning(app, client, demo):
    before = await row_counts(app)
    body = foreign_alert()
    without_info = body[: body.index(b"<info>")] + b"</alert>"
    response = await _post(client, demo["commander"], without_info)
    assert response.status_code == 422 and "info" in response.json()["error"]["message"]
    assert await row_counts(app) == before


async def test_bad_queries_and_promotions_are_refused(app, client, demo):
    before = await row_counts(app)
    display = bearer(demo["display"])
    for params in (
        {"state": "gone"},
        {"limit": "0"},
        {"linked": "maybe"},
        {"unit": "999"},
        {"since": "2026-06-02T00:00:00+08:00", "until": "2026-06-01T00:00:00+08:00"},
        {"since": "yesterday"},
        {"colour": "red"},
    ):
        response = await client.get("/api/warnings", params=params, headers=display)
        assert response.status_code == 422, (params, response.text)
    assert (await client.get("/api/warnings/12345", headers=display)).status_code == 404
    assert (await client.get(f"/api/warnings/{2**64}", headers=display)).status_code == 404
    assert (await client.get("/api/warnings")).status_code == 401
    assert await row_counts(app) == before
