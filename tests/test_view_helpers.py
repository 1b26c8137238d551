"""The view helpers every domain shares: path ids, idempotent submissions, subtree roots."""

from __future__ import annotations

from tests.conftest import bearer
from tests.plans_fixtures import drill_body, issued_plan, plan_body

OUT_OF_RANGE = ["0", str(2**63), str(2**64), "99999999999999999999999"]


async def test_ids_outside_the_database_range_are_404_on_every_route(client, demo):
    plan = await issued_plan(client, demo["admin"])
    routes = [
        ("GET", "/api/incidents/{}", "incident"),
        ("GET", "/api/incidents/{}/history", "incident"),
        ("GET", "/api/incidents/{}/obligations", "incident"),
        ("GET", "/api/incidents/{}/cap", "incident"),
        ("POST", "/api/incidents/{}/reports", "incident"),
        ("POST", "/api/verdicts/{}/decision", "verdict"),
        ("GET", "/api/warnings/{}", "warning"),
        ("GET", "/api/plans/{}", "plan"),
        ("PATCH", "/api/plans/{}", "plan"),
        ("GET", "/api/drills/{}", "drill"),
        ("PATCH", "/api/drills/{}", "drill"),
        ("DELETE", "/api/drills/feeds/{}", "feed"),
        ("DELETE", "/api/tokens/{}", "token"),
        ("GET", f"/api/plans/{plan['id']}/versions/{{}}/document", f"version of plan {plan['id']}"),
    ]
    headers = bearer(demo["admin"])
    for method, template, what in routes:
        for raw in OUT_OF_RANGE:
            response = await client.request(
                method, template.format(raw), headers=headers, json={} if method != "GET" else None
            )
            assert response.status_code == 404, (method, template, raw, response.text)
            error = response.json()["error"]
            assert error["code"] == "not_found"
            assert error["message"] == f"{what} {raw} not found", (template, raw)
    # A version number is a 32-bit column: past its range it names no version either.
    document = f"/api/plans/{plan['id']}/versions/{2**31}/document"
    assert (await client.get(document, headers=headers)).status_code == 404


async def test_a_path_that_is_no_number_is_404_in_the_error_shape(client, demo):
    headers = bearer(demo["admin"])
    for path in ("/api/incidents/abc", "/api/incidents/abc/obligations", "/api/plans/x1"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert (await client.delete("/api/tokens/abc", headers=headers)).status_code == 404
    # Literal siblings of an id route keep their own methods.
    assert (await client.patch("/api/drills/feeds", headers=headers, json={})).status_code == 405


async def test_plan_and_drill_replays_say_so(client, demo):
    headers = {**bearer(demo["admin"]), "Idempotency-Key": "plan-once"}
    first = await client.post("/api/plans", json=plan_body(), headers=headers)
    again = await client.post("/api/plans", json=plan_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()

    plan = await issued_plan(client, demo["admin"], plan_body(title="另一预案"))
    body = drill_body(plan["id"])
    headers = {**bearer(demo["admin"]), "Idempotency-Key": "drill-once"}
    first = await client.post("/api/drills", json=body, headers=headers)
    again = await client.post("/api/drills", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    reused = await client.post("/api/drills", json={**body, "title": "改"}, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"


async def test_a_bad_key_is_refused_before_the_body_everywhere(client, demo):
    headers = {**bearer(demo["admin"]), "Idempotency-Key": " "}
    for path in ("/api/incidents", "/api/plans", "/api/drills"):
        response = await client.post(path, json={"nonsense": True}, headers=headers)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"]["code"] == "idempotency_key_invalid"


async def test_an_unknown_subtree_root_is_422_naming_the_field_everywhere(client, demo):
    headers = bearer(demo["admin"])
    queries = [
        ("/api/incidents?unit=nowhere", "query.unit"),
        ("/api/incidents.geojson?unit=nowhere", "query.unit"),
        ("/api/obligations?unit=nowhere", "query.unit"),
        ("/api/compliance?unit=nowhere", "query.unit"),
        ("/api/verdicts?unit=nowhere", "query.unit"),
        ("/api/warnings?unit=nowhere", "query.unit"),
        ("/api/cap/feed.atom?unit=nowhere", "query.unit"),
        ("/api/units?within=nowhere", "query.within"),
        ("/api/plans?within=nowhere", "query.within"),
        ("/api/plans/due?within=nowhere", "query.within"),
        ("/api/plans/coverage?within=nowhere", "query.within"),
        ("/api/drills?within=nowhere", "query.within"),
        ("/api/drills.ics?within=nowhere", "query.within"),
    ]
    for path, field in queries:
        response = await client.get(path, headers=headers)
        assert response.status_code == 422, (path, response.text)
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert error["message"] == f"invalid request: {field}: unit nowhere does not exist", path
        assert [d["field"] for d in error["details"]] == [field], path
    feed = await client.post("/api/drills/feeds", json={"unit": "nowhere"}, headers=headers)
    assert feed.status_code == 422 and feed.json()["error"]["details"][0]["field"] == "unit"
    # Inside the caller's subtree or not is still a 403, on the same helper.
    county = await client.post(
        "/api/tokens", json={"unit": "231123", "role": "display"}, headers=headers
    )
    assert county.status_code == 201, county.text
    outside = await client.get("/api/plans?within=231102", headers=bearer(county.json()["token"]))
    assert outside.status_code == 403
