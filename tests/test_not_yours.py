"""One answer for "not yours": a list filter naming another county's incident or plan
answers 403, as `?unit=` naming another county does; one naming nothing answers 422 with
the field, as an unknown `?unit=` does. Never an empty 200 that hides which."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.incidents_fixtures import SIBLING_COUNTY, incident_body, token_for
from tests.plans_fixtures import plan_body

OWN_COUNTY = "231102"  # 爱辉区
# (path, filter, the capability-holding role asking from OWN_COUNTY)
INCIDENT_FILTERS = [
    ("/api/obligations", "incident", "commander"),
    ("/api/verdicts", "incident", "commander"),
    ("/api/instructions", "incident", "commander"),
    ("/api/notifications", "incident", "commander"),
    ("/api/reviews", "incident", "commander"),
]
PLAN_FILTERS = [("/api/drills", "plan", "coordinator")]


@pytest.fixture
async def sibling_incident(app, client) -> int:
    reporter = await token_for(app, SIBLING_COUNTY, "reporter")
    body = incident_body(unit=SIBLING_COUNTY, title="逊克县山火")
    response = await client.post("/api/incidents", json=body, headers=bearer(reporter))
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture
async def sibling_plan(app, client) -> int:
    coordinator = await token_for(app, SIBLING_COUNTY, "coordinator")
    body = plan_body(unit=SIBLING_COUNTY, title="逊克县森林火灾应急预案")
    response = await client.post("/api/plans", json=body, headers=bearer(coordinator))
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _answers(client, token: str, path: str, name: str, value) -> tuple[int, dict]:
    response = await client.get(path, params={name: value}, headers=bearer(token))
    return response.status_code, response.json()


async def _check(app, client, path, name, role, foreign_id) -> None:
    token = await token_for(app, OWN_COUNTY, role)
    by_unit = await _answers(client, token, path.replace("?", ""), "unit", SIBLING_COUNTY)
    status, body = await _answers(client, token, path, name, foreign_id)
    assert status == 403, (path, body)
    assert body["error"]["code"] == "forbidden"
    if path != "/api/drills":  # drills filter by ?within=, its unit parameter
        assert by_unit[0] == status
    status, body = await _answers(client, token, path, name, 987_654_321)
    assert status == 422, (path, body)
    assert body["error"]["details"][0]["field"] == f"query.{name}"


@pytest.mark.parametrize(("path", "name", "role"), INCIDENT_FILTERS)
async def test_a_filter_naming_another_countys_incident(
    app, client, sibling_incident, path, name, role
):
    await _check(app, client, path, name, role, sibling_incident)


@pytest.mark.parametrize(("path", "name", "role"), PLAN_FILTERS)
async def test_a_filter_naming_another_countys_plan(app, client, sibling_plan, path, name, role):
    await _check(app, client, path, name, role, sibling_plan)


@pytest.mark.parametrize(("path", "name", "role"), INCIDENT_FILTERS)
async def test_a_filter_naming_an_own_incident_still_lists(app, client, path, name, role):
    reporter = await token_for(app, OWN_COUNTY, "reporter")
    created = await client.post(
        "/api/incidents", json=incident_body(unit=OWN_COUNTY), headers=bearer(reporter)
    )
    token = await token_for(app, OWN_COUNTY, role)
    status, body = await _answers(client, token, path, name, created.json()["id"])
    assert status == 200, body


async def test_a_filter_naming_another_countys_evaluation(app, client, demo, sibling_incident):
    city = bearer(demo["commander"])  # 黑河市 sees both counties
    closed = await client.patch(
        f"/api/incidents/{sibling_incident}", json={"status": "closed"}, headers=city
    )
    assert closed.status_code == 200, closed.text
    listed = await client.get(f"/api/reviews?incident={sibling_incident}", headers=city)
    [evaluation] = listed.json()["items"]
    await _check(app, client, "/api/actions", "evaluation", "commander", evaluation["id"])
    # The evaluation's own county lists its actions.
    sibling = await token_for(app, SIBLING_COUNTY, "commander")
    status, body = await _answers(client, sibling, "/api/actions", "evaluation", evaluation["id"])
    assert status == 200, body
