"""GET /api/incidents/{id}/cap: every output path validated against the official OASIS
CAP 1.2 schema and the spec's other rules, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from shapely.geometry import LineString, Polygon

from command.config import ConfigError, load_settings
from command.interop import cap, cap_area
from tests.conftest import bearer
from tests.incidents_fixtures import SIBLING_COUNTY, create, patch, report, token_for
from tests.interop_fixtures import info, row_counts, text, texts, valid_cap


async def _cap(client, token: str, incident_id: int, **params) -> bytes:
    response = await client.get(
        f"/api/incidents/{incident_id}/cap", params=params, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/cap+xml"
    return response.content


async def test_new_incident_is_an_alert_with_both_languages(client, demo):
    created = await create(client, demo["reporter"])
    alert = valid_cap(await _cap(client, demo["display"], created["id"]))
    assert text(alert, "cap:msgType") == "Alert" and text(alert, "cap:status") == "Actual"
    assert text(alert, "cap:identifier").startswith(f"wf-incident-{created['id']}-")
    assert text(alert, "cap:references") is None
    assert text(alert, "cap:scope") == "Restricted" and text(alert, "cap:restriction")
    assert text(alert, "cap:sent").endswith("+08:00")
    assert texts(alert, "cap:info/cap:language") == ["zh-CN", "en-US"]
    zh, en = info(alert, "zh-CN"), info(alert, "en-US")
    assert texts(zh, "cap:category") == ["Safety", "Fire"]  # accident, "residential fire"
    assert text(zh, "cap:severity") == "Minor"  # level IV
    assert (text(zh, "cap:urgency"), text(zh, "cap:certainty")) == ("Expected", "Likely")
    assert text(zh, "cap:headline") == created["title"]
    assert "三楼起火" in text(zh, "cap:description") and "失踪1人" in text(zh, "cap:description")
    assert text(en, "cap:headline") == "Level IV (general) accident in Huayuan Subdistrict"
    assert "missing 1" in text(en, "cap:description")
    occurred = datetime.fromisoformat(created["occurred_at"]).replace(microsecond=0)
    assert datetime.fromisoformat(text(zh, "cap:onset")) == occurred
    # The point keeps every decimal; CAP puts latitude first; level IV draws 1 km.
    assert text(zh, "cap:area/cap:circle") == "50.24567891,127.49012345 1"
    assert text(zh, "cap:area/cap:areaDesc") == "花园街道"
    assert text(en, "cap:area/cap:areaDesc") == "Huayuan Subdistrict"
    assert text(zh, "cap:area/cap:geocode/cap:valueName") == "GB/T 2260"
    assert text(zh, "cap:area/cap:geocode/cap:value") == "231102001"


async def test_changes_send_updates_then_a_final_cancel(client, demo):
    created = await create(client, demo["reporter"])
    first = await _cap(client, demo["commander"], created["id"])
    alert = valid_cap(first)
    quiet = await report(client, demo["reporter"], created["id"], kind="followup", summary="无变化")
    assert quiet.status_code == 201
    assert await _cap(client, demo["commander"], created["id"]) == first  # nothing CAP shows
    assert (await patch(client, demo["commander"], created["id"], level="II")).status_code == 200
    update = valid_cap(await _cap(client, demo["commander"], created["id"]))
    assert text(update, "cap:msgType") == "Update"
    [reference] = text(update, "cap:references").split()
    sender, identifier, sent = reference.split(",")
    assert (sender, identifier, sent) == (
        text(alert, "cap:sender"),
        text(alert, "cap:identifier"),
        text(alert, "cap:sent"),
    )
    zh = info(update, "zh-CN")
    assert (text(zh, "cap:severity"), text(zh, "cap:urgency")) == ("Severe", "Immediate")
    assert text(zh, "cap:area/cap:circle").endswith(" 5")  # level II draws 5 km
    for status in ("verified", "closed"):
        assert (await patch(client, demo["commander"], created["id"], status=status)).is_success
    cancel = valid_cap(await _cap(client, demo["commander"], created["id"]))
    assert text(cancel, "cap:msgType") == "Cancel"
    assert len(text(cancel, "cap:references").split()) == 3
    zh = info(cancel, "zh-CN")
    assert texts(zh, "cap:responseType") == ["AllClear"] and text(zh, "cap:urgency") == "Past"
    final = await report(
        client, demo["reporter"], created["id"], kind="final", casualties={"dead": 1}
    )
    assert final.status_code == 201
    after = valid_cap(await _cap(client, demo["commander"], created["id"]))
    assert text(after, "cap:identifier") == text(cancel, "cap:identifier")  # a Cancel is final
    # Every earlier message is still served, unchanged, under its own identifier.
    event_id = int(text(alert, "cap:identifier").rsplit("-", 1)[1])
    assert await _cap(client, demo["commander"], created["id"], event=event_id) == first


async def test_exercise_incident_is_exercise_traffic(client, demo):
    created = await create(client, demo["commander"], exercise=True, channel="phone")
    alert = valid_cap(await _cap(client, demo["commander"], created["id"]))
    assert text(alert, "cap:status") == "Exercise"
    assert f"事件 {created['id']}" in text(alert, "cap:note")
    assert text(info(alert, "zh-CN"), "cap:headline").startswith("【演练】")
    assert text(info(alert, "en-US"), "cap:headline").startswith("[EXERCISE] ")


async def test_polygons_keep_their_outer_ring_in_cap_order(client, demo):
    outer = [[127.4, 50.2], [127.6, 50.2], [127.6, 50.3], [127.4, 50.3], [127.4, 50.2]]
    hole = [[127.45, 50.22], [127.46, 50.22], [127.46, 50.23], [127.45, 50.22]]
    other = [[127.7, 50.4], [127.8, 50.4], [127.8, 50.5], [127.7, 50.4]]
    geometry = {"type": "MultiPolygon", "coordinates": [[outer, hole], [other]]}
    created = await create(client, demo["reporter"], geometry=geometry, level="I")
    alert = valid_cap(await _cap(client, demo["display"], created["id"]))
    polygons = texts(info(alert, "zh-CN"), "cap:area/cap:polygon")
    assert polygons == [
        "50.2,127.4 50.2,127.6 50.3,127.6 50.3,127.4 50.2,127.4",
        "50.4,127.7 50.4,127.8 50.5,127.8 50.4,127.7",
    ]
    assert text(info(alert, "zh-CN"), "cap:severity") == "Extreme"


async def test_a_line_becomes_the_polygon_around_it(client, demo):
    line = [[127.4981532, 50.2013487], [127.5127316, 50.1948211]]
    created = await create(
        client, demo["reporter"], geometry={"type": "LineString", "coordinates": line}
    )
    alert = valid_cap(await _cap(client, demo["display"], created["id"]))
    [polygon] = texts(info(alert, "zh-CN"), "cap:area/cap:polygon")
    ring = Polygon(
        [(float(lon), float(lat)) for lat, lon in (p.split(",") for p in polygon.split())]
    )
    assert ring.is_valid and ring.contains(LineString(line))
    # About LINE_BUFFER_KM (0.5 km) either side: 0.5 km is about 0.0045 degrees of latitude.
    assert not ring.contains(LineString([(127.505, 50.2), (127.505, 50.21)]))


async def test_control_characters_never_break_the_xml(client, demo):
    created = await create(
        client, demo["reporter"], summary="警报\x07响起\x0b", measures="\x1b撤离"
    )
    alert = valid_cap(await _cap(client, demo["display"], created["id"]))
    assert "警报响起" in text(info(alert, "zh-CN"), "cap:description")


async def test_cap_refusals_write_nothing(app, client, demo):
    created = await create(client, demo["reporter"])
    before = await row_counts(app)
    outsider = await token_for(app, SIBLING_COUNTY, "commander")
    url = f"/api/incidents/{created['id']}/cap"
    cases = [
        ("/api/incidents/999999/cap", {}, demo["display"], 404),
        (f"/api/incidents/{2**64}/cap", {}, demo["display"], 404),
        (url, {}, outsider, 403),
        (url, {}, None, 401),
        (url, {"event": "1"}, demo["display"], 404),  # an event that is no message of it
        (url, {"event": "abc"}, demo["display"], 422),
        (url, {"event": "0"}, demo["display"], 422),
        (url, {"format": "json"}, demo["display"], 422),
    ]
    for path, params, token, status in cases:
        headers = bearer(token) if token else {}
        response = await client.get(path, params=params, headers=headers)
        assert response.status_code == status, (path, params, response.text)
        assert response.json()["error"]["message"]
    assert await row_counts(app) == before


def test_times_are_cap_times():
    moment = datetime(2026, 5, 1, 0, 30, 15, 999999, tzinfo=UTC)
    assert cap.cap_time(moment, UTC) == "2026-05-01T00:30:15-00:00"
    assert cap.cap_time(moment, timezone(timedelta(hours=8))) == "2026-05-01T08:30:15+08:00"
    assert cap.cap_time(moment, timezone(-timedelta(hours=5))) == "2026-04-30T19:30:15-05:00"


def test_coordinates_are_plain_decimals():
    assert cap_area.number(1e-05) == "0.00001"
    assert cap_area.number(127.49012345) == "127.49012345"
    assert cap_area.number(50.0) == "50"
    assert cap_area.number(-0.1) == "-0.1"


def test_the_sender_is_one_word():
    secret = {"WATCHFLOOR_SECRET": "s" * 32}
    assert load_settings(secret).cap_sender == "watchfloor.local"
    chosen = {**secret, "WATCHFLOOR_CAP_SENDER": "yjj.heihe.gov.cn"}
    assert load_settings(chosen).cap_sender == "yjj.heihe.gov.cn"
    for bad in ("yjj heihe", "a,b", "a<b", "x" * 256):
        with pytest.raises(ConfigError, match="WATCHFLOOR_CAP_SENDER"):
            load_settings({**secret, "WATCHFLOOR_CAP_SENDER": bad})
