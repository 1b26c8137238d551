"""Passwords, session cookies and tokens."""

from __future__ import annotations

from command.demo import DEMO_PASSWORD
from tests.conftest import bearer


async def test_password_login_sets_a_session_that_scopes_requests(client):
    bad = await client.post(
        "/api/auth/login", json={"username": "demo-reporter", "password": "wrong-password"}
    )
    assert bad.status_code == 401
    assert "watchfloor_session" not in bad.cookies
    ok = await client.post(
        "/api/auth/login", json={"username": "demo-reporter", "password": DEMO_PASSWORD}
    )
    assert ok.status_code == 200
    assert ok.json()["unit"] == "231102001" and ok.json()["role"] == "reporter"
    me = await client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["subject"] == "user:demo-reporter"
    sibling = await client.get("/api/units/231102002")
    assert sibling.status_code == 403
    await client.post("/api/auth/logout")
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_unknown_user_and_malformed_login_bodies(client):
    unknown = await client.post("/api/auth/login", json={"username": "nobody", "password": "x"})
    assert unknown.status_code == 401
    broken = await client.post(
        "/api/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400 and "malformed JSON" in broken.json()["error"]["message"]
    missing = await client.post("/api/auth/login", json={"username": "demo-admin"})
    assert missing.status_code == 422
    assert missing.json()["error"]["details"][0]["field"] == "password"


async def test_tampered_session_cookie_is_ignored(client):
    client.cookies.set("watchfloor_session", "eyJ1aWQiOiAxfQ==.forged.signature")
    assert (await client.get("/api/auth/me")).status_code == 401


async def test_admin_issues_tokens_only_inside_its_subtree(client, demo):
    county_admin = await client.post(
        "/api/tokens", json={"unit": "231123", "role": "admin"}, headers=bearer(demo["admin"])
    )
    assert county_admin.status_code == 201
    token = county_admin.json()["token"]
    assert token.startswith("wf_")
    inside = await client.post(
        "/api/tokens", json={"unit": "231123001", "role": "reporter"}, headers=bearer(token)
    )
    outside = await client.post(
        "/api/tokens", json={"unit": "231124", "role": "reporter"}, headers=bearer(token)
    )
    bad_role = await client.post(
        "/api/tokens", json={"unit": "231123001", "role": "king"}, headers=bearer(token)
    )
    assert inside.status_code == 201
    assert outside.status_code == 403
    assert bad_role.status_code == 422
    listed = await client.get("/api/tokens", headers=bearer(token))
    assert {t["unit"] for t in listed.json()["items"]} == {"231123", "231123001"}
    assert all(t["token"] is None for t in listed.json()["items"])


async def test_reporter_cannot_manage_tokens(client, demo):
    response = await client.get("/api/tokens", headers=bearer(demo["reporter"]))
    assert response.status_code == 403
