"""Configuration, health, metrics, errors, OpenAPI and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from command.config import ConfigError, load_settings
from tests.conftest import SECRET, bearer

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WATCHFLOOR_DATABASE_URL", "mysql://x"),
        ("WATCHFLOOR_REDIS_URL", "http://localhost"),
        ("WATCHFLOOR_TIMEZONE", "Mars/Olympus"),
        ("WATCHFLOOR_MAX_BODY_BYTES", "lots"),
        ("WATCHFLOOR_SECRET", "short"),
        ("WATCHFLOOR_SECURE_COOKIES", "perhaps"),
    ],
)
def test_invalid_configuration_names_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({"WATCHFLOOR_SECRET": SECRET, name: value})


def test_defaults_and_plain_urls_are_accepted():
    settings = load_settings(
        {"WATCHFLOOR_SECRET": SECRET, "WATCHFLOOR_DATABASE_URL": "postgresql://root@localhost/test"}
    )
    assert settings.database_url == "postgresql+asyncpg://root@localhost/test"
    assert settings.timezone == "Asia/Shanghai" and settings.redis_url is None
    assert settings.max_body_bytes == 1024 * 1024


async def test_health_reports_database_and_bus(client):
    response = await client.get("/api/health")
    body = response.json()
    assert response.status_code == 200, body
    assert body["database"]["ok"] and body["database"]["pending_migrations"] == []
    assert body["bus"]["ok"]


async def test_metrics_count_requests_by_route_template(client, demo):
    await client.get("/api/units/231102", headers=bearer(demo["admin"]))
    text = (await client.get("/metrics")).text
    assert 'route="/api/units/{code}"' in text
    assert "watchfloor_http_requests_total" in text


async def test_unknown_route_and_method_use_the_error_shape(client):
    missing = await client.get("/api/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = await client.put("/api/units")
    assert wrong.status_code == 405 and "error" in wrong.json()


async def test_oversized_body_is_413(client, demo):
    body = b'{"username": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = await client.post(
        "/api/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_openapi_document_is_valid_and_complete(client):
    document = (await client.get("/api/openapi.json")).json()
    validate(document)
    assert "/api/units/{code}" in document["paths"]
    assert "get" in document["paths"]["/api/units"] and "post" in document["paths"]["/api/units"]


async def test_openapi_describes_the_xml_and_multipart_bodies(client):
    paths = (await client.get("/api/openapi.json")).json()["paths"]
    cap = paths["/api/cap"]["post"]["requestBody"]["content"]
    assert {"application/cap+xml", "application/xml", "text/xml"} <= set(cap)
    version = paths["/api/plans/{plan_id}/versions"]["post"]["requestBody"]["content"]
    form = version["multipart/form-data"]["schema"]  # one object a client can satisfy
    assert form["type"] == "object" and "allOf" not in form
    assert form["properties"]["document"]["format"] == "binary"
    assert {"effective_on", "change_summary", "approved_by"} <= set(form["properties"])
    assert "application/json" in version


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "command.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_cli_help_lists_the_commands():
    result = _cli("--help", env=dict(os.environ))
    for name in ("serve", "migrate", "demo", "token"):
        assert name in result.stdout


def test_cli_migrate_demo_token_and_serve_refusal(tmp_path):
    env = dict(
        os.environ,
        WATCHFLOOR_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
        WATCHFLOOR_SECRET=SECRET,
        WATCHFLOOR_VAR_DIR=str(tmp_path),
    )
    refused = _cli("serve", "--port", "0", env=env)
    assert refused.returncode == 2 and "watchfloor migrate" in refused.stderr
    assert _cli("migrate", env=env).returncode == 0
    first = _cli("demo", env=env)
    second = _cli("demo", env=env)
    assert first.returncode == 0 and first.stdout == second.stdout
    assert "commander\twf_" in first.stdout
    token = _cli("token", "create", "--unit", "231123", "--role", "reporter", env=env)
    assert token.returncode == 0 and token.stdout.strip().startswith("wf_")
    assert len(token.stdout.strip().splitlines()) == 1
    unknown = _cli("token", "create", "--unit", "999999", "--role", "reporter", env=env)
    assert unknown.returncode == 2 and "unit 999999 not found" in unknown.stderr


async def test_nul_characters_are_refused_before_they_reach_the_database(client, demo):
    body = {
        "code": "231102001009",
        "name": "坏\u0000名",
        "kind": "community",
        "tier": "village",
        "parent": "231102001",
    }
    response = await client.post("/api/units", json=body, headers=bearer(demo["admin"]))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "name"
    assert (
        await client.get("/api/units/231102001009", headers=bearer(demo["admin"]))
    ).status_code == 404
    query = await client.get("/api/units?kind=area%00", headers=bearer(demo["admin"]))
    assert query.status_code == 422
