"""Export an incident as CAP, import it back, record it as an incident again: the same
facts come out (event, area, times, category, level and severity, figures)."""

from __future__ import annotations

from datetime import datetime

from command.config import Settings
from tests.conftest import bearer
from tests.incidents_fixtures import SIBLING_COUNTY, create, patch, token_for
from tests.interop_fixtures import foreign_alert, info, row_counts, text, valid_cap

# Around 花园街道 (127.37, 50.25) and its two communities.
RING = [
    [127.36012345, 50.24012345],
    [127.40098765, 50.24012345],
    [127.40098765, 50.27098765],
    [127.36012345, 50.27098765],
    [127.36012345, 50.24012345],
]


async def _export(client, token: str, incident_id: int) -> bytes:
    response = await client.get(f"/api/incidents/{incident_id}/cap", headers=bearer(token))
    assert response.status_code == 200
    return response.content


async def _import(client, token: str, body: bytes) -> dict:
    headers = {**bearer(token), "Content-Type": "application/cap+xml"}
    response = await client.post("/api/cap", content=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def _promote(client, token: str, warning_id: int, **body) -> dict:
    response = await client.post(
        f"/api/warnings/{warning_id}/incident", json=body, headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    return response.json()


def _seconds(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(microsecond=0)


async def test_polygon_incident_round_trip(client, demo):
    polygon = {"type": "Polygon", "coordinates": [RING]}
    created = await create(
        client, demo["reporter"], geometry=polygon, category="natural", type="flood", level="III"
    )
    assert (await patch(client, demo["commander"], created["id"], status="responding")).is_success
    exported = await _export(client, demo["commander"], created["id"])
    alert = valid_cap(exported)
    warning = await _import(client, demo["commander"], exported)
    assert (warning["sender"], warning["identifier"]) == (
        Settings.cap_sender,
        text(alert, "cap:identifier"),
    )
    assert warning["msg_type"] == "Update" and warning["status"] == "Actual"
    assert warning["event"] == text(info(alert, "zh-CN"), "cap:event") == "自然灾害（flood）"
    assert datetime.fromisoformat(warning["sent"]) == datetime.fromisoformat(
        text(alert, "cap:sent")
    )
    assert datetime.fromisoformat(warning["onset"]) == _seconds(created["occurred_at"])
    assert (warning["severity"], warning["level"], warning["category"]) == (
        "Moderate",
        "III",
        "natural",
    )
    assert warning["urgency"] == "Immediate" and warning["certainty"] == "Observed"
    [area] = warning["areas"]
    assert area["polygons"] == [RING] and area["circles"] == []
    assert area["geocodes"] == [{"name": "GB/T 2260", "value": "231102001"}]
    linked = {unit["code"] for unit in warning["units"]}
    assert {"231102001", "231102001001", "231102001002"} <= linked

    again = await _promote(client, demo["commander"], warning["id"], unit="231102001")
    assert again["source"] == "cap" and again["id"] != created["id"]
    for fact in (
        "category",
        "type",
        "level",
        "geometry",
        "exercise",
        "casualties",
        "affected",
        "loss",
    ):
        assert again[fact] == created[fact], fact
    assert _seconds(again["occurred_at"]) == _seconds(created["occurred_at"])
    assert again["title"] == created["title"]
    listed = await client.get(f"/api/warnings/{warning['id']}", headers=bearer(demo["display"]))
    assert listed.json()["incident_id"] == again["id"]


async def test_point_incident_round_trip(client, demo):
    created = await create(client, demo["reporter"], level="II")
    warning = await _import(
        client, demo["admin"], await _export(client, demo["admin"], created["id"])
    )
    assert warning["msg_type"] == "Alert" and (warning["severity"], warning["level"]) == (
        "Severe",
        "II",
    )
    [circle] = warning["areas"][0]["circles"]
    assert circle == {"lon": 127.49012345, "lat": 50.24567891, "radius_km": 5.0}
    again = await _promote(client, demo["admin"], warning["id"], unit=created["unit"])
    assert again["geometry"] == created["geometry"]
    assert again["casualties"] == created["casualties"] == {"dead": 0, "missing": 1, "injured": 2}


async def test_exercise_round_trip_stays_an_exercise(client, demo):
    created = await create(client, demo["commander"], exercise=True, channel="phone", level=...)
    warning = await _import(
        client, demo["commander"], await _export(client, demo["commander"], created["id"])
    )
    assert (
        warning["status"] == "Exercise"
        and warning["level"] is None
        and warning["severity"] == "Unknown"
    )
    again = await _promote(
        client, demo["commander"], warning["id"], unit=created["unit"], level="IV"
    )
    assert again["exercise"] is True and again["level"] == "IV"


async def test_foreign_warning_becomes_an_incident_with_its_facts(client, demo):
    warning = await _import(client, demo["commander"], foreign_alert())
    incident = await _promote(
        client, demo["commander"], warning["id"], unit="231102", type="rainstorm"
    )
    assert (incident["category"], incident["level"], incident["type"]) == (
        "natural",
        "II",
        "rainstorm",
    )
    assert incident["title"] == "黑龙江省气象台发布暴雨橙色预警"
    assert (
        incident["summary"].startswith("预计未来24小时")
        and incident["measures"] == "注意防范城乡积涝。"
    )
    assert datetime.fromisoformat(incident["occurred_at"]) == datetime.fromisoformat(
        "2026-06-01T12:00:00+08:00"
    )
    assert incident["geometry"]["type"] == "Polygon"
    assert incident["geometry"]["coordinates"][0][0] == [127.45, 50.2]


async def test_promotion_refusals_write_nothing(app, client, demo):
    warning = await _import(client, demo["commander"], foreign_alert())
    other = await _import(
        client, demo["commander"], foreign_alert(identifier="OTHER-1", event="Other")
    )
    future = await _import(
        client,
        demo["commander"],
        foreign_alert(identifier="F-1", onset="2099-01-01T00:00:00+08:00"),
    )
    no_category = foreign_alert(identifier="N-1").replace(
        b"<category>Met</category>", b"<category>Other</category>"
    )
    uncategorized = await _import(client, demo["commander"], no_category)
    cancel = await _import(
        client,
        demo["commander"],
        foreign_alert(
            identifier="C-9",
            msg_type="Cancel",
            references="qx.heilongjiang.gov.cn,OTHER-1,2026-06-01T08:00:00+08:00",
        ),
    )
    before = await row_counts(app)
    xunke = await token_for(app, SIBLING_COUNTY, "commander")
    url = "/api/warnings/{}/incident"
    cases = [
        (warning["id"], {"unit": "231102"}, None, 401),
        (warning["id"], {"unit": "231102"}, demo["reporter"], 403),
        (warning["id"], {"unit": "231102"}, xunke, 403),  # covers nothing of 逊克县
        (warning["id"], {"unit": "999999"}, demo["commander"], 422),
        (warning["id"], {}, demo["commander"], 422),
        (warning["id"], {"unit": "231102", "level": "V"}, demo["commander"], 422),
        (warning["id"], {"unit": "231102", "extra": 1}, demo["commander"], 422),
        (future["id"], {"unit": "231102"}, demo["commander"], 422),
        (uncategorized["id"], {"unit": "231102"}, demo["commander"], 422),
        (other["id"], {"unit": "231102"}, demo["commander"], 409),  # cancelled by C-9
        (cancel["id"], {"unit": "231102"}, demo["commander"], 409),
        (424242, {"unit": "231102"}, demo["commander"], 404),
    ]
    for warning_id, body, token, status in cases:
        headers = bearer(token) if token else {}
        response = await client.post(url.format(warning_id), json=body, headers=headers)
        assert response.status_code == status, (warning_id, body, response.text)
    bad_json = await client.post(
        url.format(warning["id"]), content=b"{", headers=bearer(demo["commander"])
    )
    assert bad_json.status_code == 400
    assert await row_counts(app) == before
    await _promote(client, demo["commander"], warning["id"], unit="231102")
    twice = await client.post(
        url.format(warning["id"]), json={"unit": "231102"}, headers=bearer(demo["commander"])
    )
    assert twice.status_code == 409 and "already incident" in twice.json()["error"]["message"]
