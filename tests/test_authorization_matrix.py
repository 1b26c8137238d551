"""The authorization matrix: every route of the app × 5 roles × the caller's own county and
a sibling county, plus no credential at all. The routes come from the app's route table,
so a new route is probed by default; a path parameter the matrix cannot fill fails the
test until RESOURCES says what it names.

What must hold, whatever the route:
- nobody gets a 5xx;
- without a credential, every non-public route answers 401;
- a caller of the sibling county never gets a 2xx on a route naming a resource of the own
  county (its id in the path), and never sees the own county's unit;
- the display role, which only reads, gets 403 on every write outside DISPLAY_WRITES.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.routing import Mount, Route

from command.auth.roles import ROLES
from tests.conftest import bearer
from tests.incidents_fixtures import incident_body, token_for
from tests.plans_fixtures import drill_body, plan_body, version_body

OWN, SIBLING = "231102", "231123"  # 爱辉区 and 逊克县, both under 黑河市
PUBLIC = {
    "/api/auth/login",
    "/api/auth/logout",
    "/api/health",
    "/n/{token}",
    "/metrics",
    "/api/openapi.json",
    "/login",
    "/report-sw.js",
    "/",
    "/wall",
    "/desk",
    "/report",
    "/plans",
    "/api/drills.ics",
}
# Writes a display token may make: signing in and out, acknowledging its own messages, and
# calendar feeds (a read-only subscription to what the caller reads already; any reader of
# the subtree may issue and revoke them, plans/feeds.py).
DISPLAY_WRITES = {
    "/api/auth/login",
    "/api/auth/logout",
    "/api/notifications/{id}/ack",
    "/api/drills/feeds",
    "/api/drills/feeds/{feed_id}",
}
UNKNOWN_ID = "987654321"


@dataclass(frozen=True)
class Probe:
    method: str
    path: str  # the template, e.g. /api/incidents/{id}

    def url(self, resources: dict[str, str]) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: resources[self.key(m.group(1))], self.path)

    def key(self, param: str) -> str:
        """What a path parameter names, by the collection it follows."""
        if param != "id":
            return param
        collection = self.path.split("/{id}")[0].rsplit("/", 1)[1]
        return f"{collection}.id"

    @property
    def is_page(self) -> bool:
        """A page shell: it holds no records (its script reads them through the API)."""
        return self.method == "GET" and not self.path.startswith(("/api/", "/n/", "/metrics"))

    @property
    def names_own_resource(self) -> bool:
        return "{" in self.path and "{token}" not in self.path and not self.is_page


def _probes(routes, prefix: str = "") -> Iterator[Probe]:
    for route in routes:
        if isinstance(route, Mount):
            continue  # static files: covered by the header tests, no credentials
        if isinstance(route, Route):
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", prefix + route.path)
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield Probe(method, path)


async def _resources(app, client) -> dict[str, str]:
    """One resource of each kind in the own county, made through the API."""
    reporter = await token_for(app, OWN, "reporter")
    coordinator = await token_for(app, OWN, "coordinator")
    admin = await token_for(app, OWN, "admin")
    incident = await client.post(
        "/api/incidents", json=incident_body(unit=OWN), headers=bearer(reporter)
    )
    plan = await client.post("/api/plans", json=plan_body(unit=OWN), headers=bearer(coordinator))
    plan_id = plan.json()["id"]
    version = await client.post(
        f"/api/plans/{plan_id}/versions", json=version_body(), headers=bearer(coordinator)
    )
    drill = await client.post("/api/drills", json=drill_body(plan_id), headers=bearer(coordinator))
    token = await client.post(
        "/api/tokens", json={"unit": OWN, "role": "display"}, headers=bearer(admin)
    )
    feed = await client.post("/api/drills/feeds", json={"unit": OWN}, headers=bearer(coordinator))
    made = [incident, plan, version, drill, token]
    assert all(r.status_code == 201 for r in made), [r.text for r in made]
    incident_json = incident.json()
    return {
        "incidents.id": str(incident_json["id"]),
        "report": str(incident_json["reports"][0]["id"]),
        "plan_id": str(plan_id),
        "number": "1",
        "drill_id": str(drill.json()["id"]),
        "token_id": str(token.json()["id"]),
        "feed_id": str(feed.json()["id"]) if feed.status_code == 201 else UNKNOWN_ID,
        "code": OWN,
        "token": "not-a-signed-link",
        "username": "nobody-here",
        "user_id": UNKNOWN_ID,
        "session_id": UNKNOWN_ID,
        # Kinds the matrix names by an unknown id: no 2xx is possible for anyone there,
        # and the other rules (no 5xx, 401, 403 for display) still apply.
        **{
            f"{kind}.id": UNKNOWN_ID
            for kind in (
                "warnings",
                "verdicts",
                "instructions",
                "handovers",
                "shifts",
                "notifications",
                "reviews",
                "actions",
                "evidence",
            )
        },
    }


def _callers() -> list[tuple[str, str]]:
    return [(role, unit) for role in ROLES for unit in (OWN, SIBLING)]


async def _send(client, probe: Probe, url: str, token: str | None):
    headers = bearer(token) if token else {}
    if probe.method in ("GET", "DELETE"):
        return await client.request(probe.method, url, headers=headers)
    return await client.request(probe.method, url, json={}, headers=headers)


def _sent_to_sign_in(response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_every_route_for_every_role_in_both_counties(app, client):
    resources = await _resources(app, client)
    probes = list(_probes(app.routes))
    assert len(probes) > 80  # the whole table, not a part of it
    unfilled = {
        p.path
        for p in probes
        for name in re.findall(r"\{(\w+)\}", p.path)
        if p.key(name) not in resources
    }
    assert not unfilled, f"say in _resources what these path parameters name: {unfilled}"
    tokens = {caller: await token_for(app, caller[1], caller[0]) for caller in _callers()}
    problems = []
    # Deletions last: revoking the token resource must not change the other answers.
    for probe in sorted(probes, key=lambda p: p.method == "DELETE"):
        url = probe.url(resources)
        anonymous = await _send(client, probe, url, None)
        if anonymous.status_code >= 500:
            problems.append((probe, "anonymous", anonymous.status_code))
        if probe.is_page and probe.path not in PUBLIC:
            if not _sent_to_sign_in(anonymous):
                problems.append((probe, "anonymous, wanted sign-in", anonymous.status_code))
        elif probe.path not in PUBLIC and anonymous.status_code != 401:
            problems.append((probe, "anonymous, wanted 401", anonymous.status_code))
        for (role, unit), token in tokens.items():
            response = await _send(client, probe, url, token)
            status = response.status_code
            who = f"{role}@{unit}"
            if status >= 500:
                problems.append((probe, who, status))
            if unit == SIBLING and probe.names_own_resource and 200 <= status < 300:
                problems.append((probe, f"{who} reached the own county's resource", status))
            if (
                role == "display"
                and probe.method != "GET"
                and probe.path not in DISPLAY_WRITES
                and status != 403
            ):
                problems.append((probe, f"{who} wrote, wanted 403", status))
    assert problems == [], "\n".join(map(str, problems))


@pytest.mark.parametrize("role", ROLES)
async def test_lists_of_the_sibling_county_hold_nothing_of_the_own_one(app, client, role):
    reporter = await token_for(app, OWN, "reporter")
    own = await client.post(
        "/api/incidents", json=incident_body(unit=OWN, title="爱辉区专有"), headers=bearer(reporter)
    )
    sibling = await token_for(app, SIBLING, role)
    listed = await client.get("/api/incidents", headers=bearer(sibling))
    assert listed.status_code == 200
    assert own.json()["id"] not in {item["id"] for item in listed.json()["items"]}
    units = await client.get("/api/units", headers=bearer(sibling))
    assert OWN not in units.text
