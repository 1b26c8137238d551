"""The pages over HTTP: who gets which page, the kiosk sign-in, headers, assets, strings."""

from __future__ import annotations

import json
import posixpath
import re
import typing

import pytest
from sqlalchemy import func, select

from command.auth.models import ApiToken
from command.config import Settings
from command.demo import DEMO_PASSWORD
from command.pages import STATIC_DIR, security_headers
from tests.conftest import bearer

CONFIG = re.compile(r'<script type="application/json" id="wf-config">(.*?)</script>', re.S)


def page_config(html: str) -> dict:
    match = CONFIG.search(html)
    assert match, "the page carries no config block"
    return json.loads(match.group(1))


async def sign_in(client, username: str) -> None:
    response = await client.post(
        "/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/wall", "/report", "/plans"])
async def test_pages_send_visitors_without_a_session_to_sign_in(client, path):
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


async def test_home_sends_each_role_to_its_page(client):
    assert (await client.get("/")).headers["location"] == "/login"
    await sign_in(client, "demo-reporter")
    assert (await client.get("/")).headers["location"] == "/report"
    await sign_in(client, "demo-coordinator")
    assert (await client.get("/")).headers["location"] == "/plans"


async def test_a_page_carries_its_caller_settings_and_security_headers(client, settings):
    await sign_in(client, "demo-reporter")
    response = await client.get("/report")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    config = page_config(response.text)
    assert config["caller"]["role"] == "reporter" and config["caller"]["unit"] == "231102001"
    assert "incidents.report" in config["caller"]["capabilities"]
    assert config["timezone"] == settings.timezone and config["tile_url"] == ""
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", ""]
)
async def test_sign_in_page_never_redirects_off_site(client, target):
    response = await client.get("/login", params={"next": target})
    assert response.status_code == 200
    assert page_config(response.text)["next"] == "/"


async def test_sign_in_page_keeps_a_path_on_this_site(client):
    response = await client.get("/login", params={"next": "/plans"})
    assert page_config(response.text)["next"] == "/plans"


async def _display_token_id(app) -> int:
    async with app.state.db.read() as session:
        return await session.scalar(select(ApiToken.id).where(ApiToken.role == "display"))


async def test_kiosk_token_signs_the_wall_in_and_leaves_the_address(client, app, demo):
    response = await client.get("/wall", params={"token": demo["display"]})
    assert response.status_code == 303
    assert response.headers["location"] == "/wall"
    assert "watchfloor_session" in response.headers["set-cookie"]
    assert demo["display"] not in response.headers["set-cookie"]
    wall = await client.get("/wall")
    assert wall.status_code == 200
    assert page_config(wall.text)["caller"]["subject"] == f"token:{await _display_token_id(app)}"
    me = await client.get("/api/auth/me")
    assert me.status_code == 200 and me.json()["role"] == "display"
    assert (await client.get("/api/units/231100")).status_code == 200


async def test_revoking_the_kiosk_token_ends_its_session(client, app, demo):
    await client.get("/wall", params={"token": demo["display"]})
    assert (await client.get("/api/auth/me")).status_code == 200
    token_id = await _display_token_id(app)
    revoked = await client.delete(f"/api/tokens/{token_id}", headers=bearer(demo["admin"]))
    assert revoked.status_code == 200
    assert (await client.get("/api/auth/me")).status_code == 401
    assert (await client.get("/wall")).headers["location"] == "/login?next=/wall"


@pytest.mark.parametrize(
    ("token", "status", "notice"),
    [
        ("wf_not-a-token", 401, "kiosk_invalid"),
        ("", 401, "kiosk_invalid"),
        ("reporter", 403, "kiosk_role"),
    ],
)
async def test_kiosk_sign_in_refuses_other_tokens_and_sets_nothing(
    client, app, demo, token, status, notice
):
    async with app.state.db.read() as session:
        tokens_before = await session.scalar(select(func.count(ApiToken.id)))
    response = await client.get("/wall", params={"token": demo.get(token, token)})
    assert response.status_code == status
    assert "set-cookie" not in response.headers
    assert page_config(response.text)["notice"] == notice
    assert (await client.get("/api/auth/me")).status_code == 401
    async with app.state.db.read() as session:
        assert await session.scalar(select(func.count(ApiToken.id))) == tokens_before


async def test_browser_libraries_come_from_node_modules_beside_our_assets(client):
    leaflet = await client.get("/static/vendor/leaflet/leaflet-src.esm.js")
    assert leaflet.status_code == 200 and "export {" in leaflet.text
    assert (await client.get("/static/vendor/leaflet/leaflet.css")).status_code == 200
    ours = await client.get("/static/js/channel.js")
    assert ours.status_code == 200 and "class Channel" in ours.text


def test_tile_server_is_allowed_for_images_only_when_configured():
    assert "img-src 'self' data:;" in security_headers(Settings())["Content-Security-Policy"]
    tiles = Settings(tile_url="https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png")
    policy = security_headers(tiles)["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tiles.example.org:8443;" in policy
    assert "connect-src 'self';" in policy


def _keys(path) -> list[str]:
    return re.findall(r'^  "([^"]+)":', path.read_text(encoding="utf-8"), re.M)


def test_chinese_and_english_strings_have_the_same_keys():
    zh, en = _keys(STATIC_DIR / "js/strings/zh-CN.js"), _keys(STATIC_DIR / "js/strings/en.js")
    assert len(zh) > 200
    assert sorted(zh) == sorted(en)
    assert len(set(zh)) == len(zh), "a key is listed twice"


# The prefixes under which static/js/i18n.js finds a vocabulary group's terms.
VOCABULARY_KEYS = {
    "level": "level",
    "category": "category",
    "status": "status",
    "source": "source",
    "tier": "tier",
    "unit.kind": "unit_kind",
    "plan.type": "plan_type",
}


def _vocabulary_keys() -> set[str]:
    from command.vocabulary import codes

    return {f"{key}.{code}" for key, group in VOCABULARY_KEYS.items() for code in codes(group)}


def test_every_string_the_pages_name_exists():
    known = set(_keys(STATIC_DIR / "js/strings/zh-CN.js")) | _vocabulary_keys()
    used = set()
    for html in STATIC_DIR.glob("*.html"):
        used |= set(re.findall(r'data-i18n(?:-[a-z-]+)?="([^"]+)"', html.read_text()))
        used |= set(re.findall(r'data-title-key="([^"]+)"', html.read_text()))
    for script in STATIC_DIR.glob("js/**/*.js"):
        used |= set(re.findall(r'\bt\("([a-zA-Z][\w.]*)"', script.read_text()))
    assert used - known == set()
    assert len(used) > 100


def _module_graph(entry: str) -> set[str]:
    """Every module URL an ES module imports, transitively (static imports)."""
    seen, todo = set(), [entry]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        path = STATIC_DIR / url.removeprefix("/static/")
        if not path.exists():  # a vendor file from node_modules
            continue
        for target in re.findall(r'^import .*? from "([^"]+)";', path.read_text(), re.M):
            todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(url), target)))
    return seen


async def test_report_page_worker_caches_everything_the_page_loads(client):
    response = await client.get("/report-sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    first_line = response.text.split("\n", 1)[0]
    manifest = json.loads(first_line.removeprefix("self.WATCHFLOOR_OFFLINE = ").rstrip(";"))
    assets = set(manifest["assets"])
    assert "/report" in assets and len(manifest["version"]) == 16
    assert _module_graph("/static/js/report/main.js") <= assets
    report_html = (STATIC_DIR / "report.html").read_text()
    linked = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', report_html))
    assert linked <= assets
    for url in sorted(assets - {"/report"}):
        assert (await client.get(url)).status_code == 200, url


def test_the_pages_keep_no_copy_of_the_vocabulary():
    """Levels, categories, statuses and plan types come from the server's vocabulary."""
    for strings in ("zh-CN.js", "en.js"):
        copies = set(_keys(STATIC_DIR / "js/strings" / strings)) & _vocabulary_keys()
        assert copies == set(), f"{strings} repeats {sorted(copies)}"


def _request_fields(model) -> set[str]:
    """The names a refusal's details may give for a body of this model (nested too)."""
    from pydantic import BaseModel

    names = set()
    for name, field in model.model_fields.items():
        names.add(field.alias or name)
        for kind in (field.annotation, *typing.get_args(field.annotation)):
            for inner in typing.get_args(kind) or (kind,):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    names |= _request_fields(inner)
    return names


def test_every_field_the_report_plans_and_sign_in_pages_send_has_words():
    """A refusal names its fields in the page's language (apiField.*), whatever the form."""
    from command.auth.schemas import LoginIn
    from command.incidents.schemas import IncidentIn, ReportIn
    from plans.drill_schemas import DrillIn, DrillPatch, EvaluationIn
    from plans.schemas import FilingIn, PlanIn, PlanPatch, ReviewIn, RevisionIn, VersionIn

    models = (LoginIn, IncidentIn, ReportIn, PlanIn, PlanPatch, VersionIn, FilingIn, ReviewIn)
    models += (RevisionIn, DrillIn, DrillPatch, EvaluationIn)
    names = set().union(*(_request_fields(model) for model in models))
    assert {"occurred_at", "dead", "override_reason", "rrule", "change_summary"} <= names
    for strings in ("zh-CN.js", "en.js"):
        keys = set(_keys(STATIC_DIR / "js/strings" / strings))
        missing = sorted(name for name in names if f"apiField.{name}" not in keys)
        assert missing == [], f"{strings} has no apiField for {missing}"


async def test_the_demo_users_have_names_in_the_pages_language(client, demo):
    """The report page greets its user by name: "演示信息员", not "演示reporter"."""
    listed = await client.get("/api/users", headers=bearer(demo["admin"]))
    assert listed.status_code == 200, listed.text
    names = {user["username"]: user["display_name"] for user in listed.json()["items"]}
    demo_names = {name: shown for name, shown in names.items() if name.startswith("demo-")}
    assert demo_names["demo-reporter"] == "演示信息员"
    assert not [shown for shown in demo_names.values() if re.search(r"[A-Za-z]", shown)]
