"""The deadline API end to end, through the incident API: obligations of an incident and of
a subtree, level changes by PATCH, 瞒报 candidates judged and 谎报 recorded, the errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from command.deadlines.models import Obligation, Verdict
from command.deadlines.schemas import ObligationOut
from command.events import Event
from tests.conftest import bearer
from tests.incidents_fixtures import REPORTER_UNIT, create, patch, report, token_for

CONTRACT = {
    "id",
    "incident",
    "unit",
    "to_unit",
    "kind",
    "channel",
    "starts_at",
    "due_at",
    "state",
    "overdue",
    "met_at",
    "report",
}
COUNTY = "231102"


async def obligations_of(client, token: str, incident_id: int) -> list[dict]:
    response = await client.get(f"/api/incidents/{incident_id}/obligations", headers=bearer(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return body["items"]


def by_unit(items: list[dict], unit: str, kind: str = "initial") -> dict[str, dict]:
    return {o["channel"]: o for o in items if o["unit"] == unit and o["kind"] == kind}


async def written(app) -> dict[str, int]:
    async with app.state.db.read() as session:
        count = {}
        for name, model in (("obligations", Obligation), ("verdicts", Verdict), ("events", Event)):
            count[name] = await session.scalar(select(func.count()).select_from(model))
        return count


async def test_a_field_report_starts_the_chain_and_the_contract_holds(app, client, demo):
    body = await create(client, demo["reporter"])
    items = await obligations_of(client, demo["display"], body["id"])
    for item in items:
        assert CONTRACT <= item.keys()
        assert ObligationOut.model_validate(item).model_dump(mode="json").keys() == item.keys()
    township = by_unit(items, REPORTER_UNIT)
    assert {o["to_unit"] for o in township.values()} == {COUNTY}
    assert {o["state"] for o in township.values()} == {"met"}
    assert township["written"]["report"] == body["reports"][0]["id"]
    assert township["written"]["starts_at"] == body["learned_at"]
    county = by_unit(items, COUNTY)
    assert county["written"]["to_unit"] == "231100" and county["written"]["state"] == "pending"
    assert county["written"]["starts_at"] == body["received_at"]
    assert county["written"]["overdue"] is False and county["written"]["met_at"] is None

    county_token = await token_for(app, COUNTY, "reporter")
    sent = await report(
        client,
        county_token,
        body["id"],
        kind="initial",
        channel="phone",
        summary="县应急局电话报告",
        casualties={"dead": 0, "missing": 1, "injured": 2},
    )
    assert sent.status_code == 201, sent.text
    county = by_unit(await obligations_of(client, demo["display"], body["id"]), COUNTY)
    assert (county["phone"]["state"], county["written"]["state"]) == ("met", "pending")
    assert county["phone"]["report"] == sent.json()["id"]


async def test_a_patch_raising_the_level_adds_the_links_above(app, client, demo):
    body = await create(client, demo["reporter"])
    county_token = await token_for(app, COUNTY, "reporter")
    sent = await report(
        client,
        county_token,
        body["id"],
        kind="initial",
        casualties={"dead": 0, "missing": 1, "injured": 2},
    )
    assert sent.status_code == 201
    before = datetime.now(UTC)
    raised = await patch(client, demo["commander"], body["id"], level="II")
    assert raised.status_code == 200, raised.text
    city = by_unit(await obligations_of(client, demo["display"], body["id"]), "231100")
    assert {o["to_unit"] for o in city.values()} == {"230000"}
    assert datetime.fromisoformat(city["written"]["starts_at"]) >= before
    due = datetime.fromisoformat(city["written"]["due_at"])
    assert due - datetime.fromisoformat(city["written"]["starts_at"]) == timedelta(hours=1)


async def test_subtree_listing_filters_and_errors(app, client, demo):
    body = await create(client, demo["reporter"])
    headers = bearer(demo["display"])
    pending = await client.get("/api/obligations?state=pending&unit=231102", headers=headers)
    assert pending.status_code == 200
    items = pending.json()["items"]
    assert items and {o["state"] for o in items} == {"pending"}
    assert all(o["unit"].startswith("231102") for o in items)
    met = (await client.get("/api/obligations?state=met", headers=headers)).json()
    assert {o["unit"] for o in met["items"]} == {REPORTER_UNIT}
    overdue = await client.get("/api/obligations?overdue=true", headers=headers)
    assert overdue.json()["total"] == 0
    one = await client.get(f"/api/obligations?incident={body['id']}&kind=followup", headers=headers)
    assert [o["kind"] for o in one.json()["items"]] == ["followup"]

    sibling = await token_for(app, "231123", "display")
    cases = [
        ("/api/obligations?state=overdue", headers, 422),
        ("/api/obligations?limit=0", headers, 422),
        ("/api/obligations?colour=red", headers, 422),
        ("/api/obligations?unit=999999", headers, 422),
        ("/api/obligations?unit=231102", bearer(sibling), 403),
        ("/api/obligations", {}, 401),
        (f"/api/incidents/{body['id']}/obligations", bearer(sibling), 403),
        ("/api/incidents/99999/obligations", headers, 404),
        ("/api/incidents/abc/obligations", headers, 404),
        ("/api/incidents/99999999999999999999/obligations", headers, 404),
    ]
    for path, auth, status in cases:
        response = await client.get(path, headers=auth)
        assert response.status_code == status, (path, response.text)
        assert "error" in response.json()
    bad_state = await client.get("/api/obligations?state=overdue", headers=headers)
    assert "query.state" in {d["field"] for d in bad_state.json()["error"]["details"]}


async def _candidate(app, client, demo) -> tuple[dict, dict]:
    """A hotline incident the village never reports, past its deadline: a 瞒报 candidate."""
    learned = datetime.now(UTC) - timedelta(minutes=1)
    body = await create(
        client,
        demo["commander"],
        source="hotline",
        unit="231102003001",
        learned_at=learned.isoformat(),
        occurred_at=learned.isoformat(),
    )
    await app.state.deadline_engine.pass_once(now=learned + timedelta(hours=3))
    listed = await client.get("/api/verdicts?state=candidate", headers=bearer(demo["display"]))
    assert listed.status_code == 200
    [candidate] = listed.json()["items"]
    return body, candidate


async def test_a_concealment_candidate_is_confirmed_once_with_a_reason(app, client, demo):
    body, candidate = await _candidate(app, client, demo)
    assert (candidate["incident"], candidate["unit"], candidate["kind"]) == (
        body["id"],
        "231102003001",
        "concealment",
    )
    path = f"/api/verdicts/{candidate['id']}/decision"
    decided = await client.post(
        path,
        json={"decision": "confirm", "reason": "村委会知情未报"},
        headers=bearer(demo["commander"]),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "confirmed" and decided.json()["reason"] == "村委会知情未报"
    assert decided.json()["decided_by"] and decided.json()["decided_at"]
    before = await written(app)
    again = await client.post(
        path, json={"decision": "dismiss", "reason": "再议"}, headers=bearer(demo["commander"])
    )
    assert again.status_code == 409
    assert await written(app) == before


BAD_DECISIONS = [
    ({"decision": "confirm"}, "commander", 422),
    ({"decision": "confirm", "reason": "   "}, "commander", 422),
    ({"decision": "maybe", "reason": "x"}, "commander", 422),
    ({"decision": "confirm", "reason": "x", "extra": 1}, "commander", 422),
    (b"{not json", "commander", 400),
    ({"decision": "confirm", "reason": "x"}, "reporter", 403),
    ({"decision": "confirm", "reason": "x"}, "display", 403),
]


@pytest.mark.parametrize(("body", "role", "status"), BAD_DECISIONS)
async def test_bad_decisions_write_nothing(app, client, demo, body, role, status):
    _, candidate = await _candidate(app, client, demo)
    before = await written(app)
    path = f"/api/verdicts/{candidate['id']}/decision"
    headers = bearer(demo[role]) | {"content-type": "application/json"}
    if isinstance(body, bytes):
        response = await client.post(path, content=body, headers=headers)
    else:
        response = await client.post(path, json=body, headers=headers)
    assert response.status_code == status, response.text
    assert await written(app) == before
    unknown = await client.post(
        "/api/verdicts/4242/decision",
        json={"decision": "confirm", "reason": "x"},
        headers=bearer(demo["commander"]),
    )
    assert unknown.status_code == 404


async def test_a_false_report_is_recorded_only_by_a_commander_with_a_reason(app, client, demo):
    body = await create(client, demo["reporter"])
    path = f"/api/incidents/{body['id']}/verdicts"
    report_id = body["reports"][0]["id"]
    good = {
        "kind": "false_report",
        "unit": REPORTER_UNIT,
        "reason": "伤亡人数系编造",
        "report": report_id,
    }
    bad_cases = [
        ({**good, "reason": ""}, "commander", 422),
        ({k: v for k, v in good.items() if k != "reason"}, "commander", 422),
        ({**good, "kind": "mistake"}, "commander", 422),
        ({**good, "unit": "999999"}, "commander", 404),
        ({**good, "unit": COUNTY}, "commander", 422),  # the report is not the county's
        ({**good, "report": 987654}, "commander", 422),
        (good, "reporter", 403),
    ]
    before = await written(app)
    for payload, role, status in bad_cases:
        response = await client.post(path, json=payload, headers=bearer(demo[role]))
        assert response.status_code == status, (payload, response.text)
    missing = await client.post(
        "/api/incidents/99999/verdicts", json=good, headers=bearer(demo["commander"])
    )
    assert missing.status_code == 404
    assert await written(app) == before
    recorded = await client.post(path, json=good, headers=bearer(demo["commander"]))
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["state"] == "confirmed" and recorded.json()["kind"] == "false_report"
    listed = await client.get(
        f"/api/verdicts?incident={body['id']}&kind=false_report", headers=bearer(demo["display"])
    )
    assert [v["id"] for v in listed.json()["items"]] == [recorded.json()["id"]]


async def test_the_active_ruleset_and_the_openapi_document(client, demo):
    ruleset = await client.get("/api/deadlines/ruleset", headers=bearer(demo["display"]))
    assert ruleset.status_code == 200 and ruleset.json()["name"] == "cn-national"
    [version] = ruleset.json()["versions"]
    four = next(level for level in version["levels"] if level["level"] == "IV")
    assert (
        four["reach"] == "city"
        and {"link": "county>city", "phone": "PT1H", "written": "PT2H"} in four["limits"]
    )
    from openapi_spec_validator import validate

    document = (await client.get("/api/openapi.json")).json()
    validate(document)
    for path in (
        "/api/incidents/{id}/obligations",
        "/api/obligations",
        "/api/compliance",
        "/api/compliance.csv",
        "/api/compliance.xlsx",
        "/api/verdicts",
        "/api/verdicts/{id}/decision",
        "/api/incidents/{id}/verdicts",
    ):
        assert path in document["paths"], path
    schema = document["components"]["schemas"]["ObligationOut"]
    assert CONTRACT <= set(schema["properties"])


async def test_a_report_from_a_unit_owing_nothing_is_accepted_and_changes_no_verdict(
    app, client, demo
):
    body = await create(client, demo["reporter"])  # level IV: the chain ends at the city
    before = await obligations_of(client, demo["display"], body["id"])
    province = await token_for(app, "230000", "reporter")
    sent = await report(
        client,
        province,
        body["id"],
        kind="initial",
        summary="省厅获悉",
        casualties={"dead": 0, "missing": 1, "injured": 2},
    )
    assert sent.status_code == 201, sent.text
    after = await obligations_of(client, demo["display"], body["id"])
    assert after == before
    assert "230000" not in {o["unit"] for o in after}
