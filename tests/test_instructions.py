"""Leaders' instructions (领导批示): logged on an incident, followed until every unit named
has reported back, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from command.desk.models import Instruction, InstructionFeedback, InstructionUnit
from command.events import Event
from tests.conftest import bearer
from tests.incidents_fixtures import REPORTER_UNIT, SIBLING_COUNTY, incident_body, iso, token_for

COUNTY = "231102"  # 爱辉区, the reporter's county
CITY_DEPARTMENT = "231100.BM01"


async def _incident(client, demo) -> int:
    response = await client.post(
        "/api/incidents", json=incident_body(), headers=bearer(demo["reporter"])
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _instruction(**overrides):
    body = {
        "by": "市长 王明",
        "text": "全力搜救失踪人员，及时续报进展",
        "units": [COUNTY],
        "due_at": iso(timedelta(hours=2)),
    }
    body.update(overrides)
    return body


async def _rows(app) -> dict[str, int]:
    async with app.state.db.read() as session:
        return {
            model.__tablename__: await session.scalar(select(func.count()).select_from(model))
            for model in (Instruction, InstructionUnit, InstructionFeedback, Event)
        }


async def test_an_instruction_is_followed_until_every_unit_reports_back(app, client, demo):
    incident = await _incident(client, demo)
    commander = bearer(demo["commander"])
    given = await client.post(
        f"/api/incidents/{incident}/instructions",
        json=_instruction(units=[COUNTY, CITY_DEPARTMENT]),
        headers=commander,
    )
    assert given.status_code == 201, given.text
    instruction = given.json()
    assert instruction["state"] == "open" and instruction["overdue"] is False
    assert instruction["by"] == "市长 王明" and instruction["incident"] == incident
    assert [u["unit"] for u in instruction["units"]] == [COUNTY, CITY_DEPARTMENT]
    assert all(u["done_at"] is None for u in instruction["units"])

    county = await token_for(app, COUNTY, "commander")
    first = await client.post(
        f"/api/instructions/{instruction['id']}/feedback",
        json={"unit": COUNTY, "text": "已组织 30 人搜救，失踪 1 人已找到"},
        headers=bearer(county),
    )
    assert first.status_code == 201, first.text
    assert first.json()["state"] == "open"
    assert first.json()["feedback"][0]["unit"] == COUNTY

    department = await token_for(app, CITY_DEPARTMENT, "reporter")
    last = await client.post(
        f"/api/instructions/{instruction['id']}/feedback",
        json={"unit": CITY_DEPARTMENT, "text": "已派出医疗队"},
        headers=bearer(department),
    )
    assert last.status_code == 201, last.text
    done = last.json()
    assert done["state"] == "done" and done["done_at"] is not None
    assert all(u["done_at"] is not None for u in done["units"])

    listing = (await client.get("/api/instructions?state=done", headers=commander)).json()
    assert [item["id"] for item in listing["items"]] == [instruction["id"]]
    assert listing["counts"] == {"open": 0, "overdue": 0, "done": 1}


async def test_instruction_events_carry_the_incident_for_every_screen(app, client, demo):
    incident = await _incident(client, demo)
    response = await client.post(
        f"/api/incidents/{incident}/instructions",
        json=_instruction(),
        headers=bearer(demo["commander"]),
    )
    instruction = response.json()
    await client.post(
        f"/api/instructions/{instruction['id']}/feedback",
        json={"unit": COUNTY, "text": "已落实"},
        headers=bearer(demo["commander"]),
    )
    async with app.state.db.read() as session:
        events = list(
            await session.scalars(
                select(Event).where(Event.kind.like("instruction.%")).order_by(Event.id)
            )
        )
    assert [e.kind for e in events] == [
        "instruction.given",
        "instruction.feedback",
        "instruction.done",
    ]
    assert all(e.topic == "incidents" and e.entity == f"incident:{incident}" for e in events)
    assert events[0].payload["incident"]["id"] == incident
    assert events[-1].payload["instruction"]["state"] == "done"


async def test_overdue_instructions_are_listed_and_counted(app, client, demo):
    incident = await _incident(client, demo)
    commander = bearer(demo["commander"])
    late = _instruction(given_at=iso(-timedelta(hours=3)), due_at=iso(-timedelta(hours=1)))
    assert (
        await client.post(f"/api/incidents/{incident}/instructions", json=late, headers=commander)
    ).status_code == 201
    assert (
        await client.post(
            f"/api/incidents/{incident}/instructions", json=_instruction(), headers=commander
        )
    ).status_code == 201
    overdue = (await client.get("/api/instructions?state=overdue", headers=commander)).json()
    assert len(overdue["items"]) == 1 and overdue["items"][0]["overdue"] is True
    assert overdue["counts"] == {"open": 2, "overdue": 1, "done": 0}
    by_incident = await client.get(f"/api/instructions?incident={incident}", headers=commander)
    assert len(by_incident.json()["items"]) == 2


async def test_an_addressed_unit_sees_its_instruction_and_a_sibling_does_not(app, client, demo):
    incident = await _incident(client, demo)
    given = await client.post(
        f"/api/incidents/{incident}/instructions",
        json=_instruction(units=[CITY_DEPARTMENT]),
        headers=bearer(demo["commander"]),
    )
    instruction = given.json()["id"]
    department = bearer(await token_for(app, CITY_DEPARTMENT, "reporter"))
    mine = (await client.get("/api/instructions", headers=department)).json()
    assert [item["id"] for item in mine["items"]] == [instruction]
    sibling = bearer(await token_for(app, SIBLING_COUNTY, "commander"))
    assert (await client.get("/api/instructions", headers=sibling)).json()["items"] == []
    refused = await client.post(
        f"/api/instructions/{instruction}/feedback",
        json={"unit": SIBLING_COUNTY, "text": "不相干"},
        headers=sibling,
    )
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "not_found"


async def test_bad_instructions_are_refused_and_change_nothing(app, client, demo):
    incident = await _incident(client, demo)
    commander = bearer(demo["commander"])
    before = await _rows(app)
    cases = [
        (_instruction(units=[]), 422, "units"),
        (_instruction(units=["999999"]), 422, "units.0"),
        (_instruction(units=[COUNTY, COUNTY]), 422, "units.1"),
        (_instruction(by=" "), 422, "by"),
        (_instruction(due_at=iso(-timedelta(minutes=5))), 422, "due_at"),
        (_instruction(given_at=iso(timedelta(hours=1))), 422, "given_at"),
        (_instruction(due_at="tomorrow"), 422, "due_at"),
        ({**_instruction(), "extra": 1}, 422, "extra"),
    ]
    for body, status, field in cases:
        response = await client.post(
            f"/api/incidents/{incident}/instructions", json=body, headers=commander
        )
        assert response.status_code == status, (body, response.text)
        error = response.json()["error"]
        assert field in [d["field"] for d in error.get("details", [])], (field, error)
    sibling = await client.post(
        f"/api/incidents/{incident}/instructions",
        json=_instruction(units=[SIBLING_COUNTY]),
        headers=bearer(await token_for(app, COUNTY, "commander")),
    )
    assert sibling.status_code == 403 and sibling.json()["error"]["code"] == "forbidden"
    reporter = await client.post(
        f"/api/incidents/{incident}/instructions",
        json=_instruction(),
        headers=bearer(demo["reporter"]),
    )
    assert reporter.status_code == 403
    missing = await client.post(
        "/api/incidents/987654/instructions", json=_instruction(), headers=commander
    )
    assert missing.status_code == 404
    assert await _rows(app) == before


async def test_feedback_from_a_unit_not_named_is_refused(app, client, demo):
    incident = await _incident(client, demo)
    given = await client.post(
        f"/api/incidents/{incident}/instructions",
        json=_instruction(),
        headers=bearer(demo["commander"]),
    )
    instruction = given.json()["id"]
    before = await _rows(app)
    refused = await client.post(
        f"/api/instructions/{instruction}/feedback",
        json={"unit": REPORTER_UNIT, "text": "已落实"},
        headers=bearer(demo["reporter"]),
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "unit"
    empty = await client.post(
        f"/api/instructions/{instruction}/feedback",
        json={"unit": COUNTY, "text": ""},
        headers=bearer(demo["commander"]),
    )
    assert empty.status_code == 422
    unknown = await client.post(
        "/api/instructions/99999999999999999999/feedback",
        json={"unit": COUNTY, "text": "x"},
        headers=bearer(demo["commander"]),
    )
    assert unknown.status_code == 404
    assert await _rows(app) == before
