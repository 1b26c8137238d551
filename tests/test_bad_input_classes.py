"""Classes of bad input that used to answer 500 (and drop the connection): ids beyond the
database's range in paths, queries and bodies; JSON nested too deep; a geometry type that
is not a string; integer coordinates beyond any float; NUL characters, found after
decoding, in query values, JSON and multipart fields. Each answers a 4xx naming what is
wrong, on both databases."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Mount, Route

from tests.conftest import bearer
from tests.incidents_fixtures import incident_body
from tests.plans_fixtures import plan_body, version_body

HUGE = (2**63, 2**64, 10**30)


@pytest.mark.parametrize("number", HUGE)
async def test_ids_beyond_bigint_in_paths_name_nothing(client, demo, number):
    admin = bearer(demo["admin"])
    for method, url in (
        ("GET", f"/api/plans/{number}"),
        ("GET", f"/api/drills/{number}"),
        ("DELETE", f"/api/drills/feeds/{number}"),
        ("DELETE", f"/api/tokens/{number}"),
        ("GET", f"/api/incidents/{number}/obligations"),
        ("POST", f"/api/verdicts/{number}/decision"),
    ):
        response = await client.request(method, url, headers=admin, json={})
        assert response.status_code == 404, (url, response.text)


@pytest.mark.parametrize("number", HUGE)
async def test_ids_and_offsets_beyond_bigint_in_queries_are_422(client, demo, number):
    admin = bearer(demo["admin"])
    for url, field in (
        (f"/api/obligations?incident={number}", "incident"),
        (f"/api/obligations?offset={number}", "offset"),
        (f"/api/verdicts?incident={number}", "incident"),
        (f"/api/verdicts?offset={number}", "offset"),
        (f"/api/plans?offset={number}", "offset"),
        (f"/api/drills?plan={number}", "plan"),
        (f"/api/drills?offset={number}", "offset"),
    ):
        response = await client.get(url, headers=admin)
        assert response.status_code == 422, (url, response.text)
        fields = [d["field"] for d in response.json()["error"]["details"]]
        assert fields == [f"query.{field}"], (url, fields)


async def test_every_integer_path_and_query_parameter_is_bounded(app, client, demo):
    """The class: every `{…:int}` path parameter of the API's routes and every integer
    query parameter of the OpenAPI document, given 2**63, names nothing (404) or is refused
    naming the parameter (422), never a 500 from the database's driver."""
    admin = bearer(demo["admin"])
    int_paths = [
        (method, template)
        for route in app.routes
        if isinstance(route, Route) and ":int}" in route.path and route.path.startswith("/api/")
        for method in sorted((route.methods or set()) - {"HEAD"})
        for template in [re.sub(r"\{(\w+):int\}", "{int}", route.path)]
    ]
    assert len(int_paths) > 40
    for method, template in int_paths:
        # 2**31: beyond a 32-bit INTEGER column (a plan version's number, say).
        for number in (2**31, 2**63):
            url = re.sub(r"\{\w+(:\w+)?\}", str(number), template)
            response = await client.request(method, url, headers=admin, json={})
            # 422: a write that checks its (empty) body before looking the id up.
            assert response.status_code in (404, 422), (method, url, response.text)
    document = (await client.get("/api/openapi.json")).json()
    queried = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                kinds = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
                if parameter["in"] != "query" or "integer" not in kinds:
                    continue
                queried += 1
                url = re.sub(r"\{\w+\}", "1", path) + f"?{parameter['name']}={2**63}"
                response = await client.request(method.upper(), url, headers=admin)
                assert response.status_code == 422, (method, url, response.text)
                fields = [d["field"] for d in response.json()["error"]["details"]]
                assert f"query.{parameter['name']}" in fields, (url, fields)
    assert queried > 20


async def test_a_plan_id_beyond_bigint_in_a_body_is_422(client, demo):
    body = {"title": "演练", "plans": [2**64], "kind": "tabletop"}
    response = await client.post("/api/drills", json=body, headers=bearer(demo["admin"]))
    assert response.status_code == 422, response.text
    assert "plans.0" in [d["field"] for d in response.json()["error"]["details"]]


@pytest.mark.parametrize("depth", [40, 1000, 100_000])
async def test_json_nested_too_deep_is_400(client, demo, depth):
    body = b'{"username":"a","password":' + b"[" * depth + b"]" * depth + b"}"
    response = await client.post(
        "/api/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "json_too_deep"
    nested = b'{"title":' + b"[" * depth + b"]" * depth + b"}"
    response = await client.post(
        "/api/incidents",
        content=nested,
        headers={**bearer(demo["reporter"]), "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "json_too_deep"


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": {"nested": "Point"}, "coordinates": [127.5, 50.2]},
        {"type": ["Point"], "coordinates": [127.5, 50.2]},
        {"type": 7, "coordinates": [127.5, 50.2]},
    ],
)
async def test_a_geometry_type_that_is_not_a_string_is_422(client, demo, geometry):
    body = incident_body(geometry=geometry)
    response = await client.post("/api/incidents", json=body, headers=bearer(demo["reporter"]))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "geometry"


async def test_an_integer_coordinate_beyond_any_float_is_422(client, demo):
    text = (
        b'{"type": "Point", "coordinates": [1' + b"0" * 400 + b", 50.2]}"
    )  # 10**400 as an integer literal
    body = incident_body()
    raw = (
        b'{"title": "t", "category": "accident", "type": "fire", "level": "IV", '
        b'"occurred_at": "' + body["occurred_at"].encode() + b'", "unit": "231102001", '
        b'"geometry": ' + text + b"}"
    )
    response = await client.post(
        "/api/incidents",
        content=raw,
        headers={**bearer(demo["reporter"]), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "geometry"


async def test_nul_in_a_decoded_query_value_is_422(client, demo):
    for query in ("status=%00", "unit=231102%00", "q%00=1"):
        response = await client.get(f"/api/incidents?{query}", headers=bearer(demo["display"]))
        assert response.status_code == 422, (query, response.text)
        assert "NUL" in response.json()["error"]["message"]


def _templates(routes) -> list[tuple[str, str]]:
    """(method, path template) of every route in the app's route table."""
    found = []
    for route in routes:
        if isinstance(route, Route) and not isinstance(route, Mount):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                found.append((method, re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)))
    return found


# Names that views read straight from request.query_params, beside those of query models.
QUERY_NAMES = ("unit", "within", "year", "indicator", "filename", "incident", "q", "next")


async def test_nul_anywhere_in_a_path_or_query_is_refused_on_every_route(app, client, demo):
    """The class, not the instances: every route of the route table, with a NUL in each
    path parameter (404: it names nothing) and in the query names views read themselves
    (422 naming the field), before anything reaches the database (PostgreSQL once
    answered 500 for `/api/units/{code}`, `/api/drills.ics?within=`, `/api/readiness/…`)."""
    admin = bearer(demo["admin"])
    templates = _templates(app.routes)
    assert len(templates) > 100
    for method, template in templates:
        if "{" in template:
            url = re.sub(r"\{\w+\}", "a%00b", template)
            response = await client.request(method, url, headers=admin)
            assert response.status_code == 404, (method, url, response.text)
        url = re.sub(r"\{\w+\}", "1", template)
        for name in QUERY_NAMES:
            response = await client.request(method, f"{url}?{name}=a%00", headers=admin)
            assert response.status_code == 422, (method, url, name, response.text)
            [detail] = response.json()["error"]["details"]
            assert (detail["field"], detail["type"]) == (f"query.{name}", "nul")


async def test_a_year_in_digits_that_are_not_ascii_is_422(client, demo):
    for url in ("/api/readiness/trainings?year=%C2%B2", "/api/readiness/trainings?year=%D9%A2"):
        response = await client.get(url, headers=bearer(demo["admin"]))
        assert response.status_code == 422, response.text
        assert response.json()["error"]["details"][0]["field"] == "query.year"


async def test_nul_in_json_is_422(client, demo):
    body = incident_body(title="火\u0000情")
    response = await client.post("/api/incidents", json=body, headers=bearer(demo["reporter"]))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "title"


async def test_nul_in_a_multipart_field_is_422(client, demo):
    coordinator = bearer(demo["coordinator"])
    plan = (await client.post("/api/plans", json=plan_body(), headers=coordinator)).json()
    fields = {k: v for k, v in version_body().items() if k != "text"}
    fields["approved_by"] = "爱辉区\u0000人民政府"
    response = await client.post(
        f"/api/plans/{plan['id']}/versions",
        data=fields,
        files={"document": ("p.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        headers=coordinator,
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "approved_by"
