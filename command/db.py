"""Database engines, sessions and the column types every domain shares.

SQLite is the embedded default: WAL, a busy timeout, synchronous=FULL, and writes that
start with BEGIN IMMEDIATE through a single pooled connection so that concurrent writers
queue in the process instead of failing with "database is locked". PostgreSQL (asyncpg)
is the production database; there reads and writes share one pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, Table, event, insert
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from command import jsontext
from command.config import SESSION_KEY, Settings
from command.groupcommit import GroupCommit

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


BigId = BigInteger().with_variant(Integer, "sqlite")
JsonType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset itself)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def insert_ids(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` into `table` (an integer `id` key) in batched statements; their new
    ids, in the rows' order. Ordered RETURNING costs SQLite one statement per row, so
    there the ids are sorted instead: within an insert SQLite gives each row max + 1, in
    VALUES order, and the batches follow one another."""
    if session.get_bind().dialect.name == "sqlite":
        statement = insert(table).returning(table.c.id)
        return sorted(session.execute(statement, rows).scalars())
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.execute(statement, rows).scalars())


DURABLE = "db.after_durable"
PROCESS_CACHES = "db.process_caches"


def process_cache(session: Any, name: str) -> dict[Any, Any] | None:
    """The cache called `name` that this session's `Database` keeps for its whole life,
    or None for a session made elsewhere (then nothing is cached)."""
    caches = session.info.get(PROCESS_CACHES)
    return None if caches is None else caches.setdefault(name, {})


def after_durable(session: Any, callback: Callable[[], None]) -> None:
    """Call `callback` once the transaction of `session` (a `Database.write()`) has
    committed durably; never when it rolls back."""
    session.info.setdefault(DURABLE, []).append(callback)


def utcnow() -> datetime:
    return datetime.now(UTC)


EventSink = Callable[[list[Any]], Awaitable[None]]

# What SQLite says when it cannot store a write, and the PostgreSQL SQLSTATE classes of
# the same (53: insufficient resources, e.g. 53100 disk full; 25006: read-only
# transaction; 08: connection; 57P: the server shutting down).
_SQLITE_STORAGE = (
    "database or disk is full",
    "attempt to write a readonly database",
    "disk i/o error",
    "unable to open database file",
    "database is locked",
)
_PG_STORAGE = ("53", "25006", "08", "57P")


def storage_failure(exc: BaseException) -> str | None:
    """A short reason when `exc` says the database cannot take the write now (full disk,
    read-only, unreachable), as opposed to a bug in the statement; else None."""
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if isinstance(state, str) and state.startswith(_PG_STORAGE):
        return f"{type(orig).__name__} (SQLSTATE {state})"
    text = str(orig).lower()
    for message in _SQLITE_STORAGE:
        if message in text:
            return message
    if exc.connection_invalidated:
        return "connection lost"
    return None


class WriteHealth:
    """Whether this process's last write reached the database: a full disk or a read-only
    database fails every write while reads (and SELECT 1) still succeed."""

    def __init__(self) -> None:
        self.failing_since: datetime | None = None
        self.last_error = ""
        self.failures = 0

    def failed(self, reason: str) -> None:
        self.failing_since = self.failing_since or utcnow()
        self.last_error = reason
        self.failures += 1

    def succeeded(self) -> None:
        self.failing_since = None
        self.last_error = ""
        self.failures = 0

    def report(self) -> dict[str, Any]:
        if self.failing_since is None:
            return {"ok": True}
        return {
            "ok": False,
            "error": self.last_error,
            "failing_since": self.failing_since.isoformat(),
            "failures": self.failures,
        }


def _configure_sqlite(engine: AsyncEngine, *, immediate: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=FULL",
            "PRAGMA busy_timeout=15000",
            "PRAGMA foreign_keys=ON",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, writer: bool = True, **kwargs: Any) -> AsyncEngine:
    kwargs |= {"json_serializer": jsontext.dumps, "json_deserializer": jsontext.loads}
    # A failed statement's error (which log lines repeat) shows the SQL, never the values
    # bound to it: they hold people's details and channels' secrets (a webhook's token).
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        pool = {"pool_size": 1, "max_overflow": 0} if writer else {"pool_size": 4}
        engine = create_async_engine(url, pool_timeout=60, **pool, **kwargs)
        _configure_sqlite(engine, immediate=writer)
        return engine
    # Plan every statement for its values: after five runs of a prepared statement
    # PostgreSQL may keep a generic plan that knows neither a subtree's prefix nor a
    # window's bounds, and such a plan read a year's obligations whole (a county's
    # compliance went from 30 to 150 ms at its sixth request; docs/performance.md).
    planning = {"server_settings": {"plan_cache_mode": "force_custom_plan"}}
    kwargs["connect_args"] = planning | kwargs.get("connect_args", {})
    return create_async_engine(url, pool_size=20, max_overflow=10, pool_pre_ping=True, **kwargs)


class Database:
    """The engines and session factories of one process.

    `write()` is the one way to change state: a transaction that commits on success and
    then hands the events the services recorded to `on_events` (the realtime publisher).
    """

    def __init__(self, url: str, *, echo: bool = False, settings: Settings | None = None) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.writer = make_engine(url, writer=True, echo=echo)
        self.reader = make_engine(url, writer=False, echo=echo) if self.is_sqlite else self.writer
        # Every session carries the process's settings (command.config.settings_of), so
        # that services and hooks, which receive only a session, read them too.
        info: dict[str, Any] = {SESSION_KEY: settings} if settings is not None else {}
        # What a domain keeps for the life of this process and database (caches of data
        # that never changes once written), shared by every session: `process_cache`.
        info[PROCESS_CACHES] = {}
        self._info = info
        # SQLite: queued writes share one transaction and one fsync (command.groupcommit).
        self._group = GroupCommit(self.writer) if self.is_sqlite else None
        self._write_sessions = async_sessionmaker(self.writer, expire_on_commit=False, info=info)
        self._read_sessions = async_sessionmaker(self.reader, expire_on_commit=False, info=info)
        self.on_events: EventSink | None = None
        self.writes = WriteHealth()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        try:
            if self._group is not None:
                options = {"expire_on_commit": False, "info": dict(self._info)}
                async with self._group.session(**options) as session:
                    yield session
            else:
                async with self._write_sessions() as session:
                    async with session.begin():
                        yield session
        except DBAPIError as exc:
            if (reason := storage_failure(exc)) is not None:
                self.writes.failed(reason)
            raise
        self.writes.succeeded()
        events = session.info.pop("events", [])
        for callback in session.info.pop(DURABLE, []):
            callback()
        if events and self.on_events is not None:
            await self.on_events(events)

    @asynccontextmanager
    async def rehearse(self) -> AsyncIterator[AsyncSession]:
        """A write transaction that is always rolled back: what a change would do (a
        preview), through the very services that would do it, leaving nothing behind and
        publishing nothing."""
        async with self._write_sessions() as session:
            transaction = await session.begin()
            try:
                yield session
            finally:
                session.info.pop("events.pending", None)
                await transaction.rollback()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read_sessions() as session:
            async with session.begin():
                yield session

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
