"""Settings read from WATCHFLOOR_* environment variables.

Every value has a safe default for a laptop; an invalid value stops start-up with the
variable's name in the message.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from command.interop.cap_rules import TOKEN as CAP_TOKEN

VAR_DIR = Path(os.environ.get("WATCHFLOOR_VAR_DIR", "var"))
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{VAR_DIR / 'watchfloor.db'}"


class ConfigError(ValueError):
    """A WATCHFLOOR_* variable holds a value the service cannot use."""


def _int(env: dict[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {value}")
    return value


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _database_url(env: dict[str, str]) -> str:
    url = env.get("WATCHFLOOR_DATABASE_URL") or DEFAULT_DATABASE_URL
    # Accept the plain scheme people copy from docs and pick the async driver for them.
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    elif url.startswith("sqlite:///"):
        url = "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            "WATCHFLOOR_DATABASE_URL must be a sqlite:/// or postgresql:// URL, "
            f"got {url.split('://', 1)[0]!r}"
        )
    return url


def _redis_url(env: dict[str, str]) -> str | None:
    url = env.get("WATCHFLOOR_REDIS_URL") or None
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"WATCHFLOOR_REDIS_URL must be a redis:// URL, got {url!r}")
    return url


def _timezone(env: dict[str, str]) -> str:
    name = env.get("WATCHFLOOR_TIMEZONE") or "Asia/Shanghai"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"WATCHFLOOR_TIMEZONE is not a known time zone: {name!r}") from None
    return name


def _secret(env: dict[str, str]) -> str:
    """The signing secret; without one, a random secret is kept in var/ for this machine."""
    secret = env.get("WATCHFLOOR_SECRET")
    if secret:
        if len(secret) < 16:
            raise ConfigError("WATCHFLOOR_SECRET must be at least 16 characters long")
        return secret
    path = VAR_DIR / "secret.key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    ruleset: str = "cn-national"
    timezone: str = "Asia/Shanghai"
    secret: str = field(default="", repr=False)
    max_body_bytes: int = 1024 * 1024
    max_document_bytes: int = 20 * 1024 * 1024
    clock_skew_seconds: int = 300
    secure_cookies: bool = False
    engine_enabled: bool = True
    engine_max_sleep: float = 5.0
    heartbeat_seconds: float = 5.0
    tile_url: str = ""
    log_json: bool = False
    cap_sender: str = "watchfloor.local"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    return Settings(
        database_url=_database_url(env),
        redis_url=_redis_url(env),
        ruleset=env.get("WATCHFLOOR_RULESET") or "cn-national",
        timezone=_timezone(env),
        secret=_secret(env),
        max_body_bytes=_int(env, "WATCHFLOOR_MAX_BODY_BYTES", 1024 * 1024, minimum=1024),
        max_document_bytes=_int(env, "WATCHFLOOR_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024, 1024),
        clock_skew_seconds=_int(env, "WATCHFLOOR_CLOCK_SKEW_SECONDS", 300),
        secure_cookies=_bool(env, "WATCHFLOOR_SECURE_COOKIES", False),
        engine_enabled=_bool(env, "WATCHFLOOR_ENGINE", True),
        engine_max_sleep=_float(env, "WATCHFLOOR_ENGINE_MAX_SLEEP", 5.0),
        heartbeat_seconds=_float(env, "WATCHFLOOR_HEARTBEAT_SECONDS", 5.0),
        tile_url=env.get("WATCHFLOOR_TILE_URL", ""),
        log_json=_bool(env, "WATCHFLOOR_LOG_JSON", False),
        cap_sender=_cap_sender(env),
    )


def _cap_sender(env: dict[str, str]) -> str:
    """Who signs the office's CAP alerts (e.g. its domain): one CAP token."""
    value = env.get("WATCHFLOOR_CAP_SENDER") or Settings.cap_sender
    if not CAP_TOKEN.fullmatch(value) or len(value) > 255:
        raise ConfigError(
            "WATCHFLOOR_CAP_SENDER must be one word without spaces, commas, '<' or '&' "
            f"(e.g. yjj.heihe.gov.cn), got {value!r}"
        )
    return value
