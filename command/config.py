"""Settings read from the environment: the WATCHFLOOR_* variables and a few conventional ones.

Each setting is declared once, as a field of `Settings`: the variable it is read from, the
parser that checks it and its default. `load_settings` walks those fields; no other module
reads the environment. Every value has a safe default for a laptop; an unset or empty
variable means the default; an invalid value stops start-up with the variable's name in
the message.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# CAP 1.2 §3.2.1: sender and identifier are tokens: no spaces, commas or restricted
# characters. WATCHFLOOR_CAP_SENDER is checked against it here; command.interop reads it.
CAP_TOKEN = re.compile(r"[^\s,<&]+")
# session.info key under which command.db hands each session its process's settings.
SESSION_KEY = "settings"


class ConfigError(ValueError):
    """A WATCHFLOOR_* variable holds a value the service cannot use."""


# A parser turns a variable's text (never empty) into the setting's value, or raises
# ConfigError naming the variable.
Parser = Callable[[str, str], Any]


def _text(_name: str, raw: str) -> str:
    return raw


def _path(_name: str, raw: str) -> Path:
    return Path(raw)


def _whole(minimum: int = 0) -> Parser:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
        if value < minimum:
            raise ConfigError(f"{name} must be at least {minimum}, got {value}")
        return value

    return parse


def _number(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {value}")
    return value


def _flag(name: str, raw: str) -> bool:
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _database_url(name: str, url: str) -> str:
    # Accept the plain scheme people copy from docs and pick the async driver for them.
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    elif url.startswith("sqlite:///"):
        url = "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            f"{name} must be a sqlite:/// or postgresql:// URL, got {url.split('://', 1)[0]!r}"
        )
    return url


def _redis_url(name: str, url: str) -> str:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"{name} must be a redis:// URL, got {url!r}")
    return url


def _smtp_url(name: str, url: str) -> str:
    """The mail relay: smtp://[user[:password]@]host[:port][?starttls=1], or smtps://."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or port == -1:
        raise ConfigError(
            f"{name} must be smtp://host[:port] or smtps://user:password@host[:port], "
            f"got a {parts.scheme or 'schemeless'} URL"
        )
    return url


def _address(name: str, raw: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", raw):
        raise ConfigError(f"{name} must be a mail address such as duty@example.org, got {raw!r}")
    return raw


def _http_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an http:// or https:// URL, got {raw!r}")
    return raw.rstrip("/")


def _timezone(name: str, raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name} is not a known time zone: {raw!r}") from None
    return raw


def _secret(name: str, raw: str) -> str:
    if len(raw) < 16:
        raise ConfigError(f"{name} must be at least 16 characters long")
    return raw


def _cap_sender(name: str, raw: str) -> str:
    """Who signs the office's CAP alerts (e.g. its domain): one CAP token."""
    if not CAP_TOKEN.fullmatch(raw) or len(raw) > 255:
        raise ConfigError(
            f"{name} must be one word without spaces, commas, '<' or '&' "
            f"(e.g. yjj.heihe.gov.cn), got {raw!r}"
        )
    return raw


def _networks(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated addresses or networks (127.0.0.1, 10.0.0.0/8, ::1)."""
    found = []
    for part in (item.strip() for item in raw.split(",")):
        if not part:
            continue
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ConfigError(f"{name}: {part!r} is not an address or network") from None
        found.append(part)
    return tuple(found)


def setting(variable: str, default: Any, parse: Parser = _text, *, secret: bool = False) -> Any:
    """A field of Settings read from `variable` with `parse`; `default` when unset."""
    return field(default=default, repr=not secret, metadata={"variable": variable, "parse": parse})


def sqlite_url(var_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{var_dir / 'watchfloor.db'}"


@dataclass(frozen=True)
class Settings:
    # Where the SQLite file, the secret and the metrics files live.
    var_dir: Path = setting("WATCHFLOOR_VAR_DIR", Path("var"), _path)
    # Empty: the SQLite file in var_dir (see __post_init__).
    database_url: str = setting("WATCHFLOOR_DATABASE_URL", "", _database_url)
    # None: the in-process bus.
    redis_url: str | None = setting("WATCHFLOOR_REDIS_URL", None, _redis_url)
    ruleset: str = setting("WATCHFLOOR_RULESET", "cn-national")
    timezone: str = setting("WATCHFLOOR_TIMEZONE", "Asia/Shanghai", _timezone)
    # Empty: load_settings keeps a random secret in var_dir for this machine.
    secret: str = setting("WATCHFLOOR_SECRET", "", _secret, secret=True)
    max_body_bytes: int = setting("WATCHFLOOR_MAX_BODY_BYTES", 1024 * 1024, _whole(1024))
    max_document_bytes: int = setting(
        "WATCHFLOOR_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024, _whole(1024)
    )
    # An incident geometry with more positions is refused (422 geometry_too_complex), one
    # whose coordinates take more bytes too (413 geometry_too_large).
    max_geometry_vertices: int = setting("WATCHFLOOR_MAX_GEOMETRY_VERTICES", 10_000, _whole(4))
    max_geometry_bytes: int = setting("WATCHFLOOR_MAX_GEOMETRY_BYTES", 512 * 1024, _whole(1024))
    # Heavy geometry work (an imported CAP area's make_valid) runs in a worker thread and is
    # refused past this many seconds (422 geometry_over_budget).
    geometry_budget_seconds: float = setting("WATCHFLOOR_GEOMETRY_BUDGET_SECONDS", 2.0, _number)
    # Arrays and objects nested deeper in a request body are refused (400 json_too_deep).
    max_json_depth: int = setting("WATCHFLOOR_MAX_JSON_DEPTH", 32, _whole(8))
    clock_skew_seconds: int = setting("WATCHFLOOR_CLOCK_SKEW_SECONDS", 300, _whole())
    # The session cookie is marked Secure when the request came over HTTPS; set: always.
    secure_cookies: bool = setting("WATCHFLOOR_SECURE_COOKIES", False, _flag)
    # A page session ends this long after sign-in (or at logout, or revoked by an admin).
    session_hours: float = setting("WATCHFLOOR_SESSION_HOURS", 12.0, _number)
    # Sign-in throttling: failures per account and per client address within the window,
    # then refused (429, Retry-After) for the lockout.
    login_account_failures: int = setting("WATCHFLOOR_LOGIN_ACCOUNT_FAILURES", 10, _whole(1))
    login_address_failures: int = setting("WATCHFLOOR_LOGIN_ADDRESS_FAILURES", 50, _whole(1))
    login_window_seconds: int = setting("WATCHFLOOR_LOGIN_WINDOW_SECONDS", 900, _whole(1))
    login_lockout_seconds: int = setting("WATCHFLOOR_LOGIN_LOCKOUT_SECONDS", 300, _whole(1))
    # Password hashes (argon2, 64 MiB each) computed at once per process, and waiting; past
    # that a sign-in is refused with 503 and Retry-After.
    login_hash_concurrency: int = setting("WATCHFLOOR_LOGIN_HASH_CONCURRENCY", 2, _whole(1))
    login_hash_queue: int = setting("WATCHFLOOR_LOGIN_HASH_QUEUE", 16, _whole(0))
    engine_enabled: bool = setting("WATCHFLOOR_ENGINE", True, _flag)
    engine_max_sleep: float = setting("WATCHFLOOR_ENGINE_MAX_SLEEP", 5.0, _number)
    heartbeat_seconds: float = setting("WATCHFLOOR_HEARTBEAT_SECONDS", 5.0, _number)
    tile_url: str = setting("WATCHFLOOR_TILE_URL", "")
    # Administrative boundaries the maps draw (a GeoJSON FeatureCollection the deployment
    # supplies); unset: a rough outline drawn around the units' own locations.
    boundaries: Path | None = setting("WATCHFLOOR_BOUNDARIES", None, _path)
    log_json: bool = setting("WATCHFLOOR_LOG_JSON", False, _flag)
    cap_sender: str = setting("WATCHFLOOR_CAP_SENDER", "watchfloor.local", _cap_sender)
    # `watchfloor serve` without --host / --port.
    host: str = setting("HOST", "127.0.0.1")
    port: int = setting("PORT", 8000, _whole())
    # `watchfloor user create`: the new user's password (else stdin or a prompt).
    password: str | None = setting("WATCHFLOOR_PASSWORD", None, secret=True)
    # The mail relay for reminders and escalations; unset: mail is not sent (recorded).
    smtp_url: str | None = setting("WATCHFLOOR_SMTP_URL", None, _smtp_url, secret=True)
    notify_from: str = setting("WATCHFLOOR_NOTIFY_FROM", "watchfloor@localhost", _address)
    # The escalation ladder file; unset: the shipped command/notify/ladder.toml.
    notify_ladder: Path | None = setting("WATCHFLOOR_NOTIFY_LADDER", None, _path)
    # Where people reach this server: the acknowledgement links in notifications.
    public_url: str = setting("WATCHFLOOR_PUBLIC_URL", "http://127.0.0.1:8000", _http_url)
    # Set: /metrics aggregates the files every worker process writes there.
    metrics_dir: Path | None = setting("PROMETHEUS_MULTIPROC_DIR", None, _path)
    # /metrics: unset and no addresses, open to all; else a bearer token, or these clients.
    metrics_token: str | None = setting("WATCHFLOOR_METRICS_TOKEN", None, secret=True)
    metrics_allow: tuple[str, ...] = setting("WATCHFLOOR_METRICS_ALLOW", (), _networks)
    # A connection must finish its request headers within this (slowloris), and an idle
    # keep-alive connection is closed after it.
    header_timeout_seconds: float = setting("WATCHFLOOR_HEADER_TIMEOUT_SECONDS", 10.0, _number)
    # Open incidents a screen's snapshot holds at most (newest first); it says how many more.
    snapshot_limit: int = setting("WATCHFLOOR_SNAPSHOT_LIMIT", 1000, _whole(1))

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", sqlite_url(self.var_dir))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


DEFAULTS = Settings()


def stored_secret(var_dir: Path) -> str:
    """The signing secret kept in var_dir, made on first use (random, readable by us only)."""
    path = var_dir / "secret.key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def variables() -> dict[str, str]:
    """Each setting's field name and the variable it is read from."""
    return {f.name: f.metadata["variable"] for f in fields(Settings)}


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from `env` (the process environment by default)."""
    env = dict(os.environ if env is None else env)
    values: dict[str, Any] = {}
    for spec in fields(Settings):
        name = spec.metadata["variable"]
        raw = env.get(name)
        if raw:
            values[spec.name] = spec.metadata["parse"](name, raw)
    settings = Settings(**values)
    if not settings.secret:
        settings = Settings(**{**values, "secret": stored_secret(settings.var_dir)})
    return settings


def settings_of(session: Any) -> Settings:
    """The settings of the process whose Database opened `session` (command.db puts them
    in every session's info); the defaults for a Database made without them."""
    found = session.info.get(SESSION_KEY)
    return found if isinstance(found, Settings) else DEFAULTS
