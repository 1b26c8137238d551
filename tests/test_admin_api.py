"""Administration through the API and the CLI: users, tokens (last use, kiosk URL),
the plan registry's search and filing column, saved drill evaluations, the nav bar."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from command.auth.service import active_user, password_matches
from tests.conftest import bearer
from tests.plans_fixtures import counts, issued_plan, plan_body, version_body

PASSWORD = "correct horse battery"


def _user(**overrides):
    return {
        "username": "li.wei",
        "display_name": "李伟",
        "unit": "231102",
        "role": "commander",
        "password": PASSWORD,
        **overrides,
    }


async def test_an_admin_creates_changes_resets_and_disables_a_user(client, app, demo):
    admin = bearer(demo["admin"])
    created = await client.post("/api/users", json=_user(), headers=admin)
    assert created.status_code == 201, created.text
    user = created.json()
    assert (user["unit_name"], user["role"], user["active"]) == ("爱辉区", "commander", True)
    assert user["username"] in [
        u["username"] for u in (await client.get("/api/users", headers=admin)).json()["items"]
    ]

    again = await client.post("/api/users", json=_user(), headers=admin)
    assert again.status_code == 409
    short = await client.post(
        "/api/users", json=_user(username="x1", password="short"), headers=admin
    )
    assert short.status_code == 422 and short.json()["error"]["details"][0]["field"] == "password"

    patch = {"role": "coordinator", "unit": "231123", "password": "another long one"}
    changed = await client.patch(f"/api/users/{user['id']}", json=patch, headers=admin)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["role"], changed.json()["unit"]) == ("coordinator", "231123")
    async with app.state.db.read() as session:
        user_row = await active_user(session, "li.wei")
    assert await password_matches(user_row, "another long one")
    assert not await password_matches(user_row, PASSWORD)

    off = await client.patch(f"/api/users/{user['id']}", json={"active": False}, headers=admin)
    assert off.json()["active"] is False
    login = await client.post(
        "/api/auth/login", json={"username": "li.wei", "password": "another long one"}
    )
    assert login.status_code == 401


async def test_user_changes_are_checked_and_scoped(client, app, demo):
    admin = bearer(demo["admin"])
    before = await counts(app)
    bad_role = await client.post("/api/users", json=_user(role="king"), headers=admin)
    assert bad_role.status_code == 422 and bad_role.json()["error"]["details"][0]["field"] == "role"
    no_unit = await client.post("/api/users", json=_user(unit="999999"), headers=admin)
    assert no_unit.status_code == 404
    for role in ("commander", "coordinator", "display"):
        refused = await client.get("/api/users", headers=bearer(demo[role]))
        assert refused.status_code == 403
    missing = await client.patch("/api/users/999999", json={"active": False}, headers=admin)
    assert missing.status_code == 404
    assert await counts(app) == before


async def test_a_display_token_yields_a_kiosk_url_and_qr_and_records_its_use(client, demo):
    admin = bearer(demo["admin"])
    made = await client.post(
        "/api/tokens",
        json={"unit": "231102", "role": "display", "label": "大厅1号屏"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    token = made.json()
    assert token["kiosk_url"] == f"http://test/wall?token={token['token']}"
    assert token["kiosk_qr"].startswith("data:image/svg+xml")
    assert token["unit_name"] == "爱辉区" and token["last_used_at"] is None

    reporter = await client.post(
        "/api/tokens", json={"unit": "231102", "role": "reporter"}, headers=admin
    )
    assert reporter.json()["kiosk_url"] is None and reporter.json()["kiosk_qr"] is None

    assert (await client.get("/api/units", headers=bearer(token["token"]))).status_code == 200
    listed = {t["id"]: t for t in (await client.get("/api/tokens", headers=admin)).json()["items"]}
    used = datetime.fromisoformat(listed[token["id"]]["last_used_at"])
    assert abs(used - datetime.now(UTC)) < timedelta(minutes=1)
    assert listed[token["id"]]["label"] == "大厅1号屏"


async def test_the_registry_searches_by_part_of_a_name_and_shows_filing(client, demo):
    coordinator = demo["coordinator"]
    plan = await issued_plan(
        client, coordinator, plan=plan_body(title="爱辉区冰凌洪水专项应急预案")
    )
    found = await client.get("/api/plans", params={"q": "冰凌洪水"}, headers=bearer(coordinator))
    assert found.status_code == 200
    [item] = [p for p in found.json()["items"] if p["id"] == plan["id"]]
    assert item["filing"] in ("pending", "overdue") and item["filing_due"]
    for n in range(2):
        await issued_plan(client, coordinator, plan=plan_body(title=f"冰凌洪水第{n}号预案"))
    paged = await client.get(
        "/api/plans", params={"q": "冰凌洪水", "limit": 2, "offset": 1}, headers=bearer(coordinator)
    )
    assert paged.json()["total"] >= 3 and len(paged.json()["items"]) == 2
    by_owner = await client.get("/api/plans", params={"q": "爱辉"}, headers=bearer(coordinator))
    assert plan["id"] in [p["id"] for p in by_owner.json()["items"]]
    none = await client.get(
        "/api/plans", params={"q": "没有这样的预案%"}, headers=bearer(coordinator)
    )
    assert none.json() == {"items": [], "total": 0}
    sorted_ = await client.get(
        "/api/plans", params={"sort": "review_due", "limit": 50}, headers=bearer(coordinator)
    )
    dues = [p["review_due"] for p in sorted_.json()["items"] if p["review_due"]]
    assert dues == sorted(dues)
    bad = await client.get("/api/plans", params={"sort": "nonsense"}, headers=bearer(coordinator))
    assert bad.status_code == 422


async def test_a_held_drills_saved_evaluation_can_be_read(client, demo):
    coordinator = bearer(demo["coordinator"])
    today = (datetime.now(UTC) + timedelta(hours=8)).date().isoformat()
    plan = await issued_plan(
        client, demo["coordinator"], version=version_body(effective_on=today, issued_on=today)
    )
    starts = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    drill = await client.post(
        "/api/drills",
        json={
            "title": "补录的桌面推演", "plans": [plan["id"]], "form": "tabletop",
            "scope": "single", "purpose": "test", "organizer": "231102",
            "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "status": "completed",
        },
        headers=coordinator,
    )  # fmt: skip
    assert drill.status_code == 201, drill.text
    drill_id = drill.json()["id"]
    assert (
        await client.get(f"/api/drills/{drill_id}/evaluations", headers=coordinator)
    ).json() == {"items": []}
    rating = {"rating": "good"}
    body = {
        "execution": rating, "plan_soundness": {"rating": "poor", "notes": "路线不明"},
        "command_coordination": rating, "responders": rating, "equipment": rating,
        "findings": [
            {"item": "plan_soundness", "text": "未明确转移路线", "plan": plan["id"], "revise": True}
        ],
    }  # fmt: skip
    saved = await client.post(f"/api/drills/{drill_id}/evaluation", json=body, headers=coordinator)
    assert saved.status_code == 201, saved.text
    [read] = (await client.get(f"/api/drills/{drill_id}/evaluations", headers=coordinator)).json()[
        "items"
    ]
    assert read["plan_soundness"] == {"rating": "poor", "notes": "路线不明"}
    assert (
        read["revision_tasks"] == saved.json()["revision_tasks"]
        and len(read["revision_tasks"]) == 1
    )
    detail = (await client.get(f"/api/plans/{plan['id']}", headers=coordinator)).json()
    [task] = [t for t in detail["revisions"] if t["id"] == read["revision_tasks"][0]]
    # the finding's own words; the drill is a field, not English text in the reason
    assert (task["reason"], task["drill"], task["trigger"]) == (
        "未明确转移路线",
        drill_id,
        "drill_findings",
    )
    assert (
        await client.get("/api/drills/999999/evaluations", headers=coordinator)
    ).status_code == 404


async def test_the_nav_bar_lists_the_pages_of_the_callers_role(client):
    from command.pages import NAV

    paths = {path for path, _, _ in NAV}
    assert {"/wall", "/desk", "/report", "/plans", "/admin", "/leadership"} <= paths
    admin_page = await client.get("/admin")
    assert admin_page.status_code == 303 and admin_page.headers["location"].startswith("/login")


def test_the_cli_lists_tokens_with_the_ids_revoke_takes_and_users(tmp_path):
    env_db = f"sqlite:///{tmp_path / 'cli.db'}"
    run = lambda *args, stdin=None: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "command.cli", *args],
        input=stdin, capture_output=True, text=True, timeout=120,
        env={"WATCHFLOOR_DATABASE_URL": env_db, "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run("migrate").returncode == 0
    assert run("demo").returncode == 0
    made = run("token", "create", "--unit", "231102", "--role", "display", "--label", "大厅屏")
    assert made.returncode == 0, made.stderr
    listed = run("token", "list")
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.strip().splitlines()
    assert header.split("\t")[0] == "id"
    [row] = [line.split("\t") for line in rows if "大厅屏" in line]
    assert row[2] == "display" and row[3] == "231102 爱辉区" and row[-1] == "live"
    assert run("token", "revoke", row[0]).returncode == 0
    assert "大厅屏" not in run("token", "list").stdout
    assert "大厅屏" in run("token", "list", "--all").stdout

    created = run(
        "user", "create", "--username", "zhao", "--unit", "231123", "--role", "coordinator",
        "--password-stdin", stdin="a long enough password\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    users = run("user", "list").stdout
    assert any(
        line.startswith(tuple("0123456789")) and "\tzhao\t" in line for line in users.splitlines()
    )
