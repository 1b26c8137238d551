"""Server-side sessions: logout and an admin end them for real, they expire, admins list
and revoke them within their subtree, and the cookie is Secure over HTTPS."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update

from command.auth.models import AuthSession
from command.auth.service import create_user
from command.db import utcnow
from command.demo import DEMO_PASSWORD, demo_token
from command.units.service import get_unit
from tests.conftest import SAME_ORIGIN, SECRET, bearer
from tests.incidents_fixtures import SIBLING_COUNTY, token_for
from tests.realtime_fixtures import Screen

COOKIE = "watchfloor_session"


def _client(app, base_url: str = "http://test") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url=base_url, headers=SAME_ORIGIN)


async def _sign_in(app, username: str = "demo-reporter") -> str:
    async with _client(app) as browser:
        response = await browser.post(
            "/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200, response.text
        return browser.cookies[COOKIE]


async def _me(app, cookie: str) -> int:
    async with _client(app) as other:
        return (await other.get("/api/auth/me", cookies={COOKIE: cookie})).status_code


async def test_logout_ends_the_session_for_every_copy_of_the_cookie(app):
    cookie = await _sign_in(app)
    assert await _me(app, cookie) == 200
    async with _client(app) as browser:
        out = await browser.post("/api/auth/logout", cookies={COOKIE: cookie})
        assert out.status_code == 204
    assert await _me(app, cookie) == 401  # a copy kept from before the logout


async def test_a_session_expires(app):
    cookie = await _sign_in(app)
    async with app.state.db.write() as session:
        await session.execute(
            update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert await _me(app, cookie) == 401


async def test_admins_list_and_revoke_sessions_in_their_subtree(app, client, demo):
    first, second = await _sign_in(app), await _sign_in(app)
    admin = bearer(demo["admin"])
    listed = await client.get("/api/sessions", params={"user": "demo-reporter"}, headers=admin)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [item["user"] for item in items] == ["demo-reporter", "demo-reporter"]
    newest = items[0]
    revoked = await client.delete(f"/api/sessions/{newest['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert (await _me(app, second), await _me(app, first)) == (401, 200)
    everything = await client.delete("/api/users/demo-reporter/sessions", headers=admin)
    assert everything.json() == {"revoked": 1}
    assert await _me(app, first) == 401
    ended = await client.get("/api/sessions", params={"ended": "true"}, headers=admin)
    assert len(ended.json()["items"]) == 2
    assert (await client.get("/api/sessions", headers=admin)).json()["items"] == []


async def test_another_county_neither_sees_nor_revokes_them(app, client, demo):
    await _sign_in(app)
    xunke = bearer(await token_for(app, SIBLING_COUNTY, "admin"))
    assert (await client.get("/api/sessions", headers=xunke)).json()["items"] == []
    own = (await client.get("/api/sessions", headers=bearer(demo["admin"]))).json()["items"]
    response = await client.delete(f"/api/sessions/{own[0]['id']}", headers=xunke)
    assert response.status_code == 404
    none = await client.delete("/api/users/demo-reporter/sessions", headers=xunke)
    assert none.status_code == 404 and none.json()["error"]["code"] == "not_found"
    reporter = bearer(demo["reporter"])
    assert (await client.get("/api/sessions", headers=reporter)).status_code == 403
    # ?user= naming another county's user answers as ?unit= naming another county does.
    named = await client.get("/api/sessions", params={"user": "demo-reporter"}, headers=xunke)
    assert named.status_code == 403 and named.json()["error"]["code"] == "forbidden"
    nobody = await client.get("/api/sessions", params={"user": "nobody-here"}, headers=xunke)
    assert nobody.status_code == 422
    assert nobody.json()["error"]["details"][0]["field"] == "query.user"


async def test_a_deactivated_user_is_signed_out(app):
    async with app.state.db.write() as session:
        user = await create_user(
            session,
            username="li",
            password=DEMO_PASSWORD,
            unit=await get_unit(session, SIBLING_COUNTY),
            role="commander",
        )
    cookie = await _sign_in(app, "li")
    async with app.state.db.write() as session:
        (await session.merge(user)).active = False
    assert await _me(app, cookie) == 401


async def test_the_cookie_is_secure_over_https_only(app):
    async with _client(app, "https://test") as secure:
        secure.headers["Origin"] = "https://test"
        response = await secure.post(
            "/api/auth/login", json={"username": "demo-reporter", "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200
        assert "secure" in response.headers["set-cookie"].lower()
    async with _client(app) as plain:
        response = await plain.post(
            "/api/auth/login", json={"username": "demo-reporter", "password": DEMO_PASSWORD}
        )
        assert "secure" not in response.headers["set-cookie"].lower()


async def test_a_kiosk_screen_has_a_session_too(app, client, demo):
    response = await client.get(f"/wall?token={demo['display']}")
    assert response.status_code == 303
    cookie = client.cookies[COOKIE]
    assert await _me(app, cookie) == 200
    sessions = (await client.get("/api/sessions", headers=bearer(demo["admin"]))).json()["items"]
    assert [(s["user"], s["kiosk_token"] is not None) for s in sessions] == [(None, True)]
    await client.delete(f"/api/sessions/{sessions[0]['id']}", headers=bearer(demo["admin"]))
    assert await _me(app, cookie) == 401


async def test_revoking_a_users_sessions_closes_their_open_screens(database_url, start_server):
    server = start_server(database_url)
    async with httpx.AsyncClient(base_url=server.url) as http:
        login = await http.post(
            "/api/auth/login", json={"username": "demo-display", "password": DEMO_PASSWORD}
        )
        assert login.status_code == 200
        cookie = f"{COOKIE}={http.cookies[COOKIE]}"
        host = server.url.removeprefix("http://")
        screen = await Screen.open(
            server.ws_url, additional_headers={"Cookie": cookie}, origin=f"http://{host}"
        )
        await screen.send({"type": "hello", "topics": ["incidents"]})
        assert (await screen.next())["type"] == "welcome"
        admin = bearer(demo_token(SECRET, "admin", "231100"))
        ended = await http.delete("/api/users/demo-display/sessions", headers=admin)
        assert ended.json() == {"revoked": 1}
        closed = await screen.closed()
        assert (closed.code, closed.reason) == (4001, "credential revoked")
