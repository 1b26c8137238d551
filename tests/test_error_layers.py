"""Services say what went wrong (domain errors); only the HTTP layer knows statuses.

The first test reads the source of every service module and fails on an ApiError there;
the others drive each domain error through the real app and check its status and code.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import httpx
import pytest
from starlette.routing import Route

from command import errors
from command.app import create_app
from command.config import Settings
from command.errors import (
    DOMAIN_STATUS,
    STATUS_CODES,
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    Malformed,
    NotFound,
    PreconditionFailed,
    RateLimited,
    TooLarge,
    Unavailable,
    Unsupported,
)
from tests.conftest import SECRET, bearer

ROOT = Path(__file__).resolve().parents[1]
# The HTTP layer: views, request parsing, pages, the OpenAPI document, authentication of
# the request (its 401s) and the command line, which reports any client error.
HTTP_LAYER = {"views.py", "http.py", "errors.py", "pages.py", "openapi.py", "cli.py"}
HTTP_MODULES = {Path("command/auth/guard.py"), Path("command/auth/csrf.py")}


def service_modules() -> list[Path]:
    found = []
    for package in ("command", "plans"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if path.name in HTTP_LAYER or path.name.endswith("_views.py"):
                continue
            if relative in HTTP_MODULES or "migrations" in relative.parts:
                continue
            found.append(relative)
    return found


def api_error_uses(source: str) -> list[int]:
    """Lines that import, name or raise ApiError."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if any(alias.name == "ApiError" for alias in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.Name) and node.id == "ApiError":
            lines.append(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "ApiError":
            lines.append(node.lineno)
    return sorted(set(lines))


def test_the_walk_covers_the_service_modules():
    modules = {str(path) for path in service_modules()}
    for expected in (
        "command/incidents/service.py",
        "command/incidents/queries.py",
        "command/deadlines/verdicts.py",
        "command/deadlines/compliance.py",
        "command/interop/cap_import.py",
        "command/units/service.py",
        "command/auth/service.py",
        "command/idempotency.py",
        "plans/drills.py",
        "plans/forms.py",
    ):
        assert expected in modules
    assert not {"command/http.py", "plans/views.py", "plans/drill_views.py"} & modules


def test_the_check_sees_every_way_of_using_api_error():
    source = (
        "from command.errors import ApiError as E\n"
        "from command import errors\n"
        "raise errors.ApiError(422, 'x')\n"
        "def f():\n"
        "    raise ApiError(404, 'y')\n"
    )
    assert api_error_uses(source) == [1, 3, 5]
    assert api_error_uses("from command.errors import NotFound\nraise NotFound('unit', 1)\n") == []


def test_service_modules_raise_domain_errors_not_http_errors():
    offenders = {
        str(path): lines
        for path in service_modules()
        if (lines := api_error_uses((ROOT / path).read_text(encoding="utf-8")))
    }
    assert offenders == {}, (
        f"ApiError outside the HTTP layer (use command.errors' domain errors): {offenders}"
    )


CASES = {
    "malformed": (Malformed("malformed XML: no element found"), 400, "bad_request"),
    "forbidden": (Forbidden("unit 231123 lies outside the subtree"), 403, "forbidden"),
    "not_found": (NotFound("plan", 42), 404, "not_found"),
    "conflict": (Conflict("plan 42 is retired", field="plan"), 409, "conflict"),
    "precondition": (PreconditionFailed("plan 42 changed"), 412, "precondition_failed"),
    "too_large": (TooLarge("document exceeds the limit of 10 bytes"), 413, "payload_too_large"),
    "unsupported": (Unsupported("send a PDF"), 415, "unsupported_media_type"),
    "invalid": (Invalid("starts_at", "must be in the future"), 422, "invalid"),
    "unavailable": (Unavailable("the CAP 1.2 schema is not installed"), 503, "unavailable"),
    "rate_limited": (RateLimited("too many sign-ins", retry_after=30), 429, "too_many_requests"),
    "coded": (Invalid(None, "key reused", code="idempotency_key_reused"), 422, None),
}


def test_every_domain_error_has_a_status_and_a_case_here():
    kinds = {type(error) for error, _, _ in CASES.values()}
    assert kinds == set(DOMAIN_STATUS)
    for kind, status in DOMAIN_STATUS.items():
        assert issubclass(kind, DomainError) and status in STATUS_CODES


@pytest.fixture
async def raising_client(sqlite_template: Path, tmp_path: Path):
    """The real app (handlers, middleware) with one extra route raising the named error."""
    path = tmp_path / "errors.db"
    shutil.copy(sqlite_template, path)
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{path}", secret=SECRET))

    async def boom(request):
        raise CASES[request.path_params["case"]][0]

    app.router.routes.append(Route("/test/raise/{case}", boom, methods=["GET"]))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_each_domain_error_maps_to_its_status_and_code(raising_client):
    for case, (error, status, code) in CASES.items():
        response = await raising_client.get(f"/test/raise/{case}")
        body = response.json()
        assert response.status_code == status == errors.status_of(error), case
        assert body["error"]["code"] == (code or error.code) == error.code, case
        assert body["error"]["message"] == error.message, case
        assert set(body) == {"error"} and "www-authenticate" not in response.headers


async def test_domain_error_bodies_keep_the_one_shape(raising_client):
    invalid = (await raising_client.get("/test/raise/invalid")).json()
    assert invalid == {
        "error": {
            "code": "invalid",
            "message": "invalid request: starts_at: must be in the future",
            "details": [{"field": "starts_at", "message": "must be in the future", "type": "rule"}],
        }
    }
    conflict = (await raising_client.get("/test/raise/conflict")).json()
    assert conflict["error"]["details"] == [
        {"field": "plan", "message": "plan 42 is retired", "type": "state"}
    ]
    missing = (await raising_client.get("/test/raise/not_found")).json()
    assert missing == {"error": {"code": "not_found", "message": "plan 42 not found"}}
    coded = (await raising_client.get("/test/raise/coded")).json()
    assert coded == {"error": {"code": "idempotency_key_reused", "message": "key reused"}}


async def test_service_errors_reach_the_client_through_the_real_endpoints(client, demo):
    headers = bearer(demo["admin"])
    missing = await client.get("/api/units/999999", headers=headers)
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "unit 999999 not found"}}
    taken = await client.post(
        "/api/units",
        json={
            "code": "231102",
            "name": "重复",
            "kind": "area",
            "tier": "county",
            "parent": "231100",
        },
        headers=headers,
    )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "conflict"
