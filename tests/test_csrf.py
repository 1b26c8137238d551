"""Cookie-authenticated writes come only from this site's pages (Origin, or
Sec-Fetch-Site), and JSON bodies must say application/json; token clients are not
affected."""

from __future__ import annotations

import re

import httpx
import pytest

from command.demo import DEMO_PASSWORD
from tests.conftest import bearer
from tests.test_authorization_matrix import PUBLIC, _probes

TOKEN_BODY = {"unit": "231102", "role": "display", "label": "wall 2"}


@pytest.fixture
async def admin_browser(app):
    """A browser signed in as the demo admin that sends no Origin of its own."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as browser:
        signed = await browser.post(
            "/api/auth/login", json={"username": "demo-admin", "password": DEMO_PASSWORD}
        )
        assert signed.status_code == 200, signed.text
        yield browser


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://test.evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {},
    ],
    ids=["other-site", "null", "lookalike", "cross-site", "same-site", "neither"],
)
async def test_a_cookie_write_from_elsewhere_is_refused(admin_browser, headers):
    response = await admin_browser.post("/api/tokens", json=TOKEN_BODY, headers=headers)
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "cross_origin"
    assert (await admin_browser.get("/api/tokens")).status_code == 200  # reads are fine


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://test"},
        {"Origin": "http://127.0.0.1:8000"},  # WATCHFLOOR_PUBLIC_URL (the default)
        {"Sec-Fetch-Site": "same-origin"},
    ],
    ids=["own-origin", "public-url", "same-origin"],
)
async def test_a_cookie_write_from_the_site_is_accepted(admin_browser, headers):
    response = await admin_browser.post("/api/tokens", json=TOKEN_BODY, headers=headers)
    assert response.status_code == 201, response.text


async def test_text_plain_is_not_json_for_a_cookie_or_a_sign_in(admin_browser):
    body = b'{"unit": "231102", "role": "admin"}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Origin": "http://test"}
        if content_type:
            headers["Content-Type"] = content_type
        response = await admin_browser.post("/api/tokens", content=body, headers=headers)
        assert response.status_code == 415, (content_type, response.text)
        assert response.json()["error"]["code"] == "unsupported_media_type"
    login = await admin_browser.post(
        "/api/auth/login",
        content=b'{"username": "demo-admin", "password": "watchfloor-demo"}',
        headers={"Content-Type": "text/plain"},
    )
    assert login.status_code == 415


async def test_a_cookie_logout_from_elsewhere_is_refused(admin_browser):
    response = await admin_browser.post("/api/auth/logout", headers={"Origin": "https://evil.x"})
    assert response.status_code == 403
    assert (await admin_browser.get("/api/auth/me")).status_code == 200


async def test_token_clients_are_unaffected(app, demo):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as script:
        response = await script.post(
            "/api/tokens",
            content=b'{"unit": "231102", "role": "display"}',
            headers={**bearer(demo["admin"]), "Origin": "https://elsewhere.example"},
        )
        assert response.status_code == 201, response.text


async def test_no_cookie_write_of_any_route_is_accepted_from_elsewhere(app, admin_browser):
    """Every write of the route table (a new one is covered by default), signed in by the
    cookie and sent from another site: refused before it does anything."""
    writes = [p for p in _probes(app.routes) if p.method in ("POST", "PUT", "PATCH", "DELETE")]
    assert len(writes) > 50
    for probe in writes:
        if probe.path in PUBLIC:
            continue
        url = re.sub(r"\{\w+\}", "1", probe.path)
        response = await admin_browser.request(
            probe.method, url, json={}, headers={"Origin": "https://evil.example"}
        )
        assert response.status_code == 403, (probe, response.text)
        assert response.json()["error"]["code"] == "cross_origin", probe
