"""POST /api/cap and GET /api/warnings: alerts from other agencies recorded as early
warnings, linked to the units they cover, replaced by their Updates and Cancels."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from command.auth.service import principal_for_token
from command.events import Event
from command.interop import early_warnings
from command.interop.cap_import import read_alert
from command.interop.schemas import WarningList, WarningOut
from tests.conftest import bearer
from tests.incidents_fixtures import SIBLING_COUNTY, token_for
from tests.interop_fixtures import (
    PACIFIC_SQUARE,
    foreign_alert,
    row_counts,
    valid_cap,
)

SENDER = "qx.heilongjiang.gov.cn"


async def post_cap(client, token: str, body: bytes, content_type: str = "application/cap+xml"):
    headers = {**bearer(token), "Content-Type": content_type}
    return await client.post("/api/cap", content=body, headers=headers)


async def principal_of(app, token: str):
    async with app.state.db.read() as session:
        return await principal_for_token(session, token)


async def _warning_events(app) -> list[Event]:
    async with app.state.db.read() as session:
        query = select(Event).where(Event.entity.startswith("warning:")).order_by(Event.id)
        return list((await session.scalars(query)).all())


async def test_weather_warning_is_linked_to_the_units_it_covers(app, client, demo):
    response = await post_cap(client, demo["commander"], foreign_alert())
    assert response.status_code == 201, response.text
    body = response.json()
    assert WarningOut.model_validate(body).model_dump(mode="json").keys() == body.keys()
    assert (body["sender"], body["identifier"]) == (SENDER, "HLJ-QX-2026-0042")
    assert (body["event"], body["severity"], body["level"]) == ("暴雨预警", "Severe", "II")
    assert body["category"] == "natural" and body["cap_categories"] == ["Met"]
    assert datetime.fromisoformat(body["sent"]) == datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    assert datetime.fromisoformat(body["onset"]) == datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
    assert body["effective"] == body["sent"]  # no <effective>: it takes effect when sent
    assert body["state"] == "active" and body["msg_type"] == "Alert" and body["linked"] is True
    [area] = body["areas"]
    assert area["polygons"][0][0] == [127.45, 50.2]  # GeoJSON order: longitude first
    linked = {unit["code"]: unit["match"] for unit in body["units"]}
    assert {"231100", "231100.YJB", "231102", "231102003"} <= linked.keys()
    assert set(linked.values()) == {"area"}
    assert not {"231123", "231102001", "230000"} & linked.keys()
    [event] = await _warning_events(app)
    assert (event.topic, event.kind, event.entity) == (
        "incidents",
        "warning.received",
        f"warning:{body['id']}",
    )
    assert event.unit_path == "/000000/230000/231100/"  # the nearest unit above all linked
    assert event.payload["warning"]["units"] and "areas" not in event.payload["warning"]
    one = await client.get(f"/api/warnings/{body['id']}", headers=bearer(demo["display"]))
    assert one.status_code == 200 and one.json() == body
    original = await client.get(f"/api/warnings/{body['id']}/cap", headers=bearer(demo["display"]))
    assert original.headers["content-type"] == "application/cap+xml"
    assert valid_cap(original.content).findtext("{*}identifier") == "HLJ-QX-2026-0042"


async def test_the_same_message_twice_is_recorded_once(app, client, demo):
    first = await post_cap(client, demo["commander"], foreign_alert())
    before = await row_counts(app)
    # The same message, re-serialized by another relay (whitespace between elements aside).
    again = await post_cap(client, demo["admin"], foreign_alert(), content_type="text/xml")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert await row_counts(app) == before
    different = await post_cap(client, demo["commander"], foreign_alert(event="大风预警"))
    assert different.status_code == 409 and "identifier" in different.json()["error"]["message"]
    assert await row_counts(app) == before


async def test_racing_copies_are_recorded_once(app, client, demo):
    responses = await asyncio.gather(
        *(post_cap(client, demo["commander"], foreign_alert()) for _ in range(3))
    )
    assert sorted(r.status_code for r in responses) == [200, 200, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert (await row_counts(app))["warnings"] == 1


async def test_an_area_that_covers_no_unit_is_kept_unlinked(app, client, demo):
    response = await post_cap(client, demo["commander"], foreign_alert(polygon=PACIFIC_SQUARE))
    assert response.status_code == 201
    body = response.json()
    assert body["linked"] is False and body["units"] == []
    listed = await client.get(
        "/api/warnings", params={"linked": "false"}, headers=bearer(demo["display"])
    )
    assert [w["id"] for w in listed.json()["items"]] == [body["id"]]
    linked = await client.get(
        "/api/warnings", params={"linked": "true"}, headers=bearer(demo["display"])
    )
    assert linked.json()["items"] == []
    # Seen by the importing unit's subtree; a township cannot see it.
    township = await client.get("/api/warnings", headers=bearer(demo["reporter"]))
    assert township.json()["total"] == 0
    hidden = await client.get(f"/api/warnings/{body['id']}", headers=bearer(demo["reporter"]))
    assert hidden.status_code == 403
    [event] = await _warning_events(app)
    assert event.unit_path == "/000000/230000/231100/"  # the receiver's


async def test_geocodes_and_circles_link_too(client, demo):
    geocode = "<geocode><valueName>GB/T 2260</valueName><value>231123</value></geocode>"
    by_code = await post_cap(
        client, demo["commander"], foreign_alert(identifier="G-1", polygon="", geocode=geocode)
    )
    assert by_code.status_code == 201, by_code.text
    assert [(u["code"], u["match"]) for u in by_code.json()["units"]] == [("231123", "geocode")]
    # 逊克县 sits at 49.58, 128.48; 2 km around it reaches none of its townships.
    circle = await post_cap(
        client,
        demo["commander"],
        foreign_alert(identifier="C-1", polygon="", circle="49.58,128.48 2"),
    )
    assert circle.status_code == 201, circle.text
    assert [(u["code"], u["match"]) for u in circle.json()["units"]] == [("231123", "area")]
    assert circle.json()["areas"][0]["circles"] == [{"lon": 128.48, "lat": 49.58, "radius_km": 2.0}]


async def test_updates_supersede_and_cancels_cancel(app, client, demo):
    alert = (await post_cap(client, demo["commander"], foreign_alert())).json()
    reference = f"{SENDER},HLJ-QX-2026-0042,2026-06-01T08:00:00+08:00"
    stranger = "other.example.org,HLJ-QX-2026-0042,2026-06-01T08:00:00+08:00"
    update = await post_cap(
        client,
        demo["commander"],
        foreign_alert(
            identifier="U-1",
            msg_type="Update",
            references=f"{reference} {stranger}",
            severity="Extreme",
        ),
    )
    assert update.status_code == 201 and update.json()["level"] == "I"
    first = (
        await client.get(f"/api/warnings/{alert['id']}", headers=bearer(demo["display"]))
    ).json()
    assert (first["state"], first["replaced_by"]) == ("superseded", update.json()["id"])
    cancel = await post_cap(
        client,
        demo["commander"],
        foreign_alert(
            identifier="X-1",
            msg_type="Cancel",
            references=f"{SENDER},U-1,2026-06-01T08:00:00+08:00",
        ),
    )
    assert cancel.status_code == 201 and cancel.json()["state"] == "cancelled"
    second = (
        await client.get(f"/api/warnings/{update.json()['id']}", headers=bearer(demo["display"]))
    ).json()
    assert (second["state"], second["replaced_by"]) == ("cancelled", cancel.json()["id"])
    kinds = [e.kind for e in await _warning_events(app)]
    assert kinds == ["warning.received", "warning.updated", "warning.cancelled"]
    current = await client.get(
        "/api/warnings", params={"current": "true"}, headers=bearer(demo["display"])
    )
    assert current.json()["total"] == 0
    superseded = await client.get(
        "/api/warnings", params={"state": "superseded"}, headers=bearer(demo["display"])
    )
    assert [w["id"] for w in superseded.json()["items"]] == [alert["id"]]


async def test_the_list_filters_and_pages(client, demo):
    expiries = (
        "2099-01-01T00:00:00+08:00",
        "2020-01-01T00:00:00+08:00",
        "2099-01-01T00:00:00+08:00",
    )
    severities = ("Severe", "Minor", "Severe")
    for number, (severity, expires) in enumerate(zip(severities, expiries, strict=True), 1):
        alert = foreign_alert(
            identifier=f"L-{number}",
            severity=severity,
            sent=f"2026-06-0{number}T08:00:00+08:00",
            expires=expires,
        )
        assert (await post_cap(client, demo["commander"], alert)).status_code == 201
    display = bearer(demo["display"])

    async def identifiers(**params) -> list[str]:
        response = await client.get("/api/warnings", params=params, headers=display)
        assert response.status_code == 200, response.text
        return [w.identifier for w in WarningList.model_validate(response.json()).items]

    assert await identifiers(limit=2) == ["L-3", "L-2"]
    assert await identifiers(limit=2, offset=2) == ["L-1"]
    assert await identifiers(severity="Severe,Extreme") == ["L-3", "L-1"]
    window = {"since": "2026-06-02T00:00:00+08:00", "until": "2026-06-03T00:00:00+08:00"}
    assert await identifiers(**window) == ["L-2"]
    assert await identifiers(current="true") == ["L-3", "L-1"]
    assert await identifiers(current="false") == ["L-2"]
    assert await identifiers(status="Exercise") == []
    assert await identifiers(unit="231102") == ["L-3", "L-2", "L-1"]
    assert await identifiers(unit="231123") == []


async def test_other_subtrees_see_only_what_covers_them(app, client, demo):
    await post_cap(client, demo["commander"], foreign_alert())  # over 爱辉区
    xunke = await token_for(app, SIBLING_COUNTY, "commander")
    assert (await client.get("/api/warnings", headers=bearer(xunke))).json()["total"] == 0
    circle = foreign_alert(identifier="C-2", polygon="", circle="49.58,128.48 2")
    mine = (await post_cap(client, demo["commander"], circle)).json()
    listed = (await client.get("/api/warnings", headers=bearer(xunke))).json()
    assert [w["id"] for w in listed["items"]] == [mine["id"]]
    outside = await client.get("/api/warnings", params={"unit": "231102"}, headers=bearer(xunke))
    assert outside.status_code == 403


async def test_a_copy_arriving_mid_transaction_is_recorded_once(app, demo):
    """The first copy's transaction is still open when the second arrives: PostgreSQL
    makes the second insert wait and then fail on the unique key, and the second copy is
    answered from the first's row; SQLite queues the second writer."""
    alert = read_alert(foreign_alert())
    principal = await principal_of(app, demo["commander"])
    async with app.state.db.write() as session:
        await early_warnings.record(session=session, alert=alert, principal=principal)
        second = asyncio.create_task(
            early_warnings.receive(db=app.state.db, alert=alert, principal=principal)
        )
        await asyncio.sleep(0.3)
        assert not second.done()
    body, created = await asyncio.wait_for(second, timeout=10)
    assert created is False and body["identifier"] == "HLJ-QX-2026-0042"
    assert (await row_counts(app))["warnings"] == 1


async def test_chinese_block_describes_it_and_a_bare_cancel_ends_it(client, demo):
    english = foreign_alert(language="en-US", event="Rainstorm warning", severity="Moderate")
    start, end = english.index(b"<info>"), english.index(b"</info>") + len(b"</info>")
    bilingual = foreign_alert(extra_info=english[start:end].decode())  # zh-CN first, then en
    reordered = bilingual.replace(b"<language>zh-CN</language>", b"<language>zh-HANS</language>")
    warning = (await post_cap(client, demo["commander"], reordered)).json()
    assert (warning["language"], warning["event"]) == ("zh-HANS", "暴雨预警")
    assert warning["languages"] == ["zh-HANS", "en-US"] and len(warning["areas"]) == 1
    body = foreign_alert(
        identifier="END-1",
        msg_type="Cancel",
        references=f"{SENDER},HLJ-QX-2026-0042,2026-06-01T08:00:00+08:00",
    )
    bare = body[: body.index(b"<info>")] + b"</alert>"
    cancel = await post_cap(client, demo["commander"], bare)
    assert cancel.status_code == 201, cancel.text
    ended = cancel.json()
    assert (ended["state"], ended["event"], ended["areas"], ended["linked"]) == (
        "cancelled",
        "",
        [],
        False,
    )
    assert ended["effective"] == ended["sent"] and ended["level"] is None
    first = (
        await client.get(f"/api/warnings/{warning['id']}", headers=bearer(demo["display"]))
    ).json()
    assert (first["state"], first["replaced_by"]) == ("cancelled", ended["id"])
