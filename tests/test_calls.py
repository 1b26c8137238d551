"""The call register (来电来文登记): every call recorded with the fields offices keep, and
an incident logged from a call in the same transaction, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from command.duty.models import Call
from command.events import Event
from command.incidents.models import Incident
from tests.conftest import bearer
from tests.incidents_fixtures import SIBLING_COUNTY, incident_body, iso, token_for


def _call(**overrides):
    body = {
        "received_at": iso(-timedelta(minutes=3)),
        "channel": "phone",
        "caller_name": "李女士",
        "caller_phone": "13800000000",
        "caller_unit": "群众",
        "place": "花园街道滨江小区",
        "content": "小区内有浓烟，疑似起火",
        "told": "已拨打 119",
        "actions": "已通知爱辉区应急管理局核实",
    }
    body.update(overrides)
    return body


async def _counts(app) -> dict[str, int]:
    async with app.state.db.read() as session:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model))
            for model in (Call, Incident, Event)
        }


async def test_a_call_is_registered_with_what_offices_record(app, client, demo):
    commander = bearer(demo["commander"])
    response = await client.post("/api/calls", json=_call(), headers=commander)
    assert response.status_code == 201, response.text
    call = response.json()["call"]
    assert response.json()["incident"] is None
    assert (call["caller_name"], call["told"], call["channel"]) == ("李女士", "已拨打 119", "phone")
    assert call["unit"] == "231100" and call["recorded_by"].startswith("token:")
    listing = (await client.get("/api/calls", headers=commander)).json()["items"]
    assert [item["id"] for item in listing] == [call["id"]]
    async with app.state.db.read() as session:
        kinds = list(await session.scalars(select(Event.kind).where(Event.topic == "duty")))
    assert kinds == ["call.registered"]


async def test_a_call_that_reports_an_incident_logs_it_too(app, client, demo):
    body = _call(incident=incident_body(source="hotline", title="滨江小区火情（热线）"))
    response = await client.post("/api/calls", json=body, headers=bearer(demo["commander"]))
    assert response.status_code == 201, response.text
    incident = response.json()["incident"]
    assert incident["source"] == "hotline" and incident["title"] == "滨江小区火情（热线）"
    assert response.json()["call"]["incident"] == incident["id"]


async def test_a_refused_incident_leaves_no_call_behind(app, client, demo):
    before = await _counts(app)
    bad = _call(incident=incident_body(source="hotline", unit="999999"))
    response = await client.post("/api/calls", json=bad, headers=bearer(demo["commander"]))
    assert response.status_code == 422, response.text
    assert await _counts(app) == before


async def test_bad_calls_are_refused_naming_the_field(app, client, demo):
    commander = bearer(demo["commander"])
    before = await _counts(app)
    for body, field in [
        (_call(content=""), "content"),
        (_call(channel="carrier pigeon"), "channel"),
        (_call(received_at=iso(timedelta(hours=2))), "received_at"),
        (_call(caller_phone="1" * 65), "caller_phone"),
        ({**_call(), "colour": "red"}, "colour"),
    ]:
        response = await client.post("/api/calls", json=body, headers=commander)
        assert response.status_code == 422, (field, response.text)
        fields = [d["field"] for d in response.json()["error"].get("details", [])]
        assert field in fields, (field, fields)
    assert (
        await client.post("/api/calls", json=_call(), headers=bearer(demo["reporter"]))
    ).status_code == 403
    assert await _counts(app) == before


async def test_the_register_is_scoped_to_the_subtree(app, client, demo):
    county = bearer(await token_for(app, "231102", "commander"))
    assert (await client.post("/api/calls", json=_call(), headers=county)).status_code == 201
    sibling = bearer(await token_for(app, SIBLING_COUNTY, "commander"))
    assert (await client.get("/api/calls", headers=sibling)).json()["items"] == []
    city = (await client.get("/api/calls", headers=bearer(demo["commander"]))).json()["items"]
    assert [item["unit"] for item in city] == ["231102"]
    refused = await client.get("/api/calls?unit=231102", headers=sibling)
    assert refused.status_code == 403
