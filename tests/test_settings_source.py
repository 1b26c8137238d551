"""Settings come from one place: command/config.py reads the environment, no other module
does, and each setting's variable, parser and default are declared once."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from command.config import (
    DEFAULTS,
    ConfigError,
    Settings,
    load_settings,
    settings_of,
    sqlite_url,
    variables,
)
from tests.conftest import SECRET

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("command", "plans", "realtime")
LOADER = Path("command/config.py")
ENVIRONMENT = {"environ", "environb", "getenv", "getenvb"}


def _environment_reads(tree: ast.AST) -> list[int]:
    """Lines that read the process environment (os.environ[...] = … is a write)."""
    modules = {"os"}  # names bound to the os module
    written: set[int] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == "os"}
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [node.lineno for a in node.names if a.name in ENVIRONMENT]
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
            written.add(id(node.value))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ENVIRONMENT
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and id(node) not in written
        ):
            found.append(node.lineno)
    return sorted(found)


def _modules() -> list[Path]:
    return sorted(
        path.relative_to(ROOT) for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    )


def test_only_the_settings_loader_reads_the_environment():
    readers = {}
    for path in _modules():
        lines = _environment_reads(ast.parse((ROOT / path).read_text(encoding="utf-8")))
        if lines and path != LOADER:
            readers[str(path)] = lines
    assert readers == {}, f"read settings through command.config instead: {readers}"
    assert _environment_reads(ast.parse((ROOT / LOADER).read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("source", "reads"),
    [
        ("import os\nos.environ.get('X')", [2]),
        ("import os\nos.getenv('X')", [2]),
        ("import os as o\nx = o.environ['X']", [2]),
        ("from os import environ", [1]),
        ("import os\nos.environ['X'] = '1'", []),
        ("import os\ndel os.environ['X']", []),
        ("import os\nos.path.join('a')", []),
    ],
)
def test_the_scan_tells_reads_from_writes(source, reads):
    assert _environment_reads(ast.parse(source)) == reads


def test_every_setting_names_its_variable_and_parser_once():
    names = variables()
    assert len(set(names.values())) == len(names)
    for spec in fields(Settings):
        assert spec.default is not MISSING and callable(spec.metadata["parse"]), spec.name
        assert spec.metadata["variable"], spec.name


def test_the_loader_takes_each_default_from_the_declaration(tmp_path):
    # Only the secret (kept in var_dir when unset) is derived: every other value is the
    # dataclass default, so a default written a second time in the loader would show here.
    loaded = load_settings({"WATCHFLOOR_SECRET": SECRET, "WATCHFLOOR_VAR_DIR": str(tmp_path)})
    assert loaded == Settings(secret=SECRET, var_dir=tmp_path)
    assert load_settings({"WATCHFLOOR_SECRET": SECRET}) == Settings(secret=SECRET)
    empty = {name: "" for name in variables().values()}
    assert load_settings({**empty, "WATCHFLOOR_SECRET": SECRET}) == Settings(secret=SECRET)
    assert not list(tmp_path.iterdir())


def test_var_dir_places_the_database_and_the_secret(tmp_path):
    settings = load_settings({"WATCHFLOOR_VAR_DIR": str(tmp_path / "state")})
    assert settings.var_dir == tmp_path / "state"
    assert settings.database_url == sqlite_url(tmp_path / "state")
    assert (tmp_path / "state" / "secret.key").read_text().strip() == settings.secret
    again = load_settings({"WATCHFLOOR_VAR_DIR": str(tmp_path / "state")})
    assert again.secret == settings.secret
    assert DEFAULTS.database_url == sqlite_url(Path("var"))


def test_every_variable_is_read_with_its_parser(tmp_path):
    env = {
        "WATCHFLOOR_VAR_DIR": str(tmp_path),
        "WATCHFLOOR_DATABASE_URL": "sqlite:///x.db",
        "WATCHFLOOR_REDIS_URL": "redis://127.0.0.1:6379/3",
        "WATCHFLOOR_RULESET": "wuhan-2020",
        "WATCHFLOOR_TIMEZONE": "UTC",
        "WATCHFLOOR_SECRET": SECRET,
        "WATCHFLOOR_MAX_BODY_BYTES": "2048",
        "WATCHFLOOR_MAX_DOCUMENT_BYTES": "4096",
        "WATCHFLOOR_MAX_JSON_DEPTH": "12",
        "WATCHFLOOR_MAX_GEOMETRY_VERTICES": "2000",
        "WATCHFLOOR_MAX_GEOMETRY_BYTES": "65536",
        "WATCHFLOOR_GEOMETRY_BUDGET_SECONDS": "0.5",
        "WATCHFLOOR_SESSION_HOURS": "8",
        "WATCHFLOOR_LOGIN_ACCOUNT_FAILURES": "4",
        "WATCHFLOOR_LOGIN_ADDRESS_FAILURES": "40",
        "WATCHFLOOR_LOGIN_WINDOW_SECONDS": "600",
        "WATCHFLOOR_LOGIN_LOCKOUT_SECONDS": "120",
        "WATCHFLOOR_LOGIN_HASH_CONCURRENCY": "3",
        "WATCHFLOOR_LOGIN_HASH_QUEUE": "8",
        "WATCHFLOOR_CLOCK_SKEW_SECONDS": "60",
        "WATCHFLOOR_SECURE_COOKIES": "yes",
        "WATCHFLOOR_ENGINE": "off",
        "WATCHFLOOR_ENGINE_MAX_SLEEP": "0.5",
        "WATCHFLOOR_HEARTBEAT_SECONDS": "2",
        "WATCHFLOOR_TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png",
        "WATCHFLOOR_LOG_JSON": "1",
        "WATCHFLOOR_CAP_SENDER": "yjj.heihe.gov.cn",
        "HOST": "0.0.0.0",
        "PORT": "8080",
        "WATCHFLOOR_PASSWORD": "correct horse",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "WATCHFLOOR_SMTP_URL": "smtp://relay:secret@mail.example.org:587?starttls=1",
        "WATCHFLOOR_NOTIFY_FROM": "duty@heihe.example",
        "WATCHFLOOR_PUBLIC_URL": "https://watchfloor.example/",
        "WATCHFLOOR_NOTIFY_LADDER": str(tmp_path / "ladder.toml"),
        "WATCHFLOOR_BOUNDARIES": str(tmp_path / "boundaries.geojson"),
        "WATCHFLOOR_METRICS_TOKEN": "metrics-token-0123",
        "WATCHFLOOR_METRICS_ALLOW": "127.0.0.1, 10.0.0.0/8",
        "WATCHFLOOR_HEADER_TIMEOUT_SECONDS": "3",
        "WATCHFLOOR_SNAPSHOT_LIMIT": "50",
    }
    assert set(env) == set(variables().values())
    settings = load_settings(env)
    assert settings == Settings(
        var_dir=tmp_path,
        database_url="sqlite+aiosqlite:///x.db",
        redis_url="redis://127.0.0.1:6379/3",
        ruleset="wuhan-2020",
        timezone="UTC",
        secret=SECRET,
        max_body_bytes=2048,
        max_document_bytes=4096,
        max_json_depth=12,
        max_geometry_vertices=2000,
        max_geometry_bytes=65536,
        geometry_budget_seconds=0.5,
        session_hours=8.0,
        login_account_failures=4,
        login_address_failures=40,
        login_window_seconds=600,
        login_lockout_seconds=120,
        login_hash_concurrency=3,
        login_hash_queue=8,
        clock_skew_seconds=60,
        secure_cookies=True,
        engine_enabled=False,
        engine_max_sleep=0.5,
        heartbeat_seconds=2.0,
        tile_url="https://tiles.example.org/{z}/{x}/{y}.png",
        log_json=True,
        cap_sender="yjj.heihe.gov.cn",
        host="0.0.0.0",
        port=8080,
        password="correct horse",
        metrics_dir=tmp_path / "metrics",
        smtp_url="smtp://relay:secret@mail.example.org:587?starttls=1",
        notify_from="duty@heihe.example",
        public_url="https://watchfloor.example",
        notify_ladder=tmp_path / "ladder.toml",
        boundaries=tmp_path / "boundaries.geojson",
        metrics_token="metrics-token-0123",
        metrics_allow=("127.0.0.1", "10.0.0.0/8"),
        header_timeout_seconds=3.0,
        snapshot_limit=50,
    )
    assert "correct horse" not in repr(settings) and SECRET not in repr(settings)
    assert "secret@" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WATCHFLOOR_CLOCK_SKEW_SECONDS", "-1"),
        ("WATCHFLOOR_ENGINE_MAX_SLEEP", "soon"),
        ("WATCHFLOOR_HEARTBEAT_SECONDS", "-2"),
        ("WATCHFLOOR_MAX_DOCUMENT_BYTES", "10"),
        ("WATCHFLOOR_ENGINE", "maybe"),
        ("WATCHFLOOR_CAP_SENDER", "two words"),
        ("WATCHFLOOR_SMTP_URL", "http://mail.example.org"),
        ("WATCHFLOOR_SMTP_URL", "smtp://mail.example.org:port"),
        ("WATCHFLOOR_NOTIFY_FROM", "duty"),
        ("WATCHFLOOR_PUBLIC_URL", "watchfloor.example"),
        ("PORT", "eighty"),
        ("WATCHFLOOR_METRICS_ALLOW", "127.0.0.1, localhost"),
    ],
)
def test_more_invalid_values_name_their_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({"WATCHFLOOR_SECRET": SECRET, name: value})


class _Session:
    def __init__(self, info):
        self.info = info


def test_a_session_carries_its_process_settings():
    chosen = Settings(secret=SECRET, ruleset="wuhan-2020")
    assert settings_of(_Session({"settings": chosen})) is chosen
    assert settings_of(_Session({})) is DEFAULTS


async def test_database_sessions_carry_the_settings(tmp_path):
    from command.db import Database

    chosen = Settings(secret=SECRET, var_dir=tmp_path, clock_skew_seconds=7)
    db = Database(chosen.database_url, settings=chosen)
    try:
        async with db.read() as session:
            assert settings_of(session) is chosen
        async with db.write() as session:
            assert settings_of(session).clock_skew_seconds == 7
    finally:
        await db.dispose()


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "command.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_the_cli_reads_its_variables_through_the_settings(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "WATCHFLOOR_VAR_DIR": str(tmp_path / "state"),
        "WATCHFLOOR_PASSWORD": "a-long-password",
    }
    bad_port = _cli("serve", env={**env, "PORT": "eighty"})
    assert bad_port.returncode == 2 and "PORT must be a whole number" in bad_port.stderr
    # The SQLite file and the secret go to WATCHFLOOR_VAR_DIR, which migrate creates.
    assert _cli("migrate", env=env).returncode == 0
    assert {p.name for p in (tmp_path / "state").iterdir()} >= {"watchfloor.db", "secret.key"}
    assert _cli("demo", env=env).returncode == 0
    create = ("user", "create", "--username", "duty-officer", "--unit", "231100")
    made = _cli(*create, "--role", "commander", env=env)
    assert made.returncode == 0, made.stderr
    assert "user duty-officer created" in made.stderr
