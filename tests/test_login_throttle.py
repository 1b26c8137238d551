"""Sign-in throttling per account and per client address (429 with Retry-After, shared
through the database), and password hashing bounded and off the event loop."""

from __future__ import annotations

import asyncio
import time

import pytest

from command.auth import service as auth_service
from command.config import Settings
from command.demo import DEMO_PASSWORD
from tests.conftest import SECRET


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret=SECRET,
        engine_enabled=False,
        login_account_failures=3,
        login_address_failures=5,
        login_window_seconds=60,
        login_lockout_seconds=2,
    )


async def _login(client, username: str, password: str = "wrong-password"):
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def test_an_account_is_locked_after_its_failures_then_released(client):
    for _ in range(3):
        assert (await _login(client, "demo-reporter")).status_code == 401
    locked = await _login(client, "demo-reporter", DEMO_PASSWORD)
    assert locked.status_code == 429, locked.text
    assert locked.json()["error"]["code"] == "login_throttled"
    assert 1 <= int(locked.headers["Retry-After"]) <= 2
    assert (await _login(client, "demo-admin", DEMO_PASSWORD)).status_code == 200
    await asyncio.sleep(2.1)
    assert (await _login(client, "demo-reporter", DEMO_PASSWORD)).status_code == 200


async def test_a_success_clears_the_account_count(client):
    for _ in range(2):
        assert (await _login(client, "demo-reporter")).status_code == 401
    assert (await _login(client, "demo-reporter", DEMO_PASSWORD)).status_code == 200
    for _ in range(2):
        assert (await _login(client, "demo-reporter")).status_code == 401
    assert (await _login(client, "demo-reporter", DEMO_PASSWORD)).status_code == 200


async def test_an_address_guessing_many_accounts_is_locked(client):
    for number in range(5):
        assert (await _login(client, f"guess-{number}")).status_code == 401
    response = await _login(client, "demo-admin", DEMO_PASSWORD)
    assert response.status_code == 429 and "address" in response.json()["error"]["message"]


async def test_racing_failures_all_count(client):
    answers = await asyncio.gather(*(_login(client, "demo-coordinator") for _ in range(3)))
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert (await _login(client, "demo-coordinator", DEMO_PASSWORD)).status_code == 429


async def test_hashing_is_bounded_and_leaves_the_loop_free(app, client, monkeypatch):
    # Each check takes a steady 0.2 s (argon2's own time varies with the machine), so that
    # the twelve logins are still queued when the queue's bound is reached.
    verify = auth_service._verify
    monkeypatch.setattr(auth_service, "_verify", lambda *a: time.sleep(0.2) or verify(*a))
    app.state.password_limiter.total_tokens = 1
    object.__setattr__(app.state.settings, "login_hash_queue", 2)
    object.__setattr__(app.state.settings, "login_address_failures", 100)
    object.__setattr__(app.state.settings, "login_account_failures", 100)
    logins = [asyncio.create_task(_login(client, f"user-{n}")) for n in range(12)]
    started = time.perf_counter()
    health = await client.get("/api/health")
    health_seconds = time.perf_counter() - started
    answers = [a.status_code for a in await asyncio.gather(*logins)]
    assert health.status_code == 200 and health_seconds < 2.0, health_seconds
    assert 503 in answers and 401 in answers, answers
    assert set(answers) <= {401, 503}
