"""The `watchfloor` command: serve, migrate, demo, token, user."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import shutil
import socket
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from command.config import DEFAULTS, ConfigError, Settings, load_settings
from command.db import Database


def _run(coro: Coroutine[Any, Any, int]) -> int:
    return asyncio.run(coro)


async def _with_db(settings: Settings, action: Callable[[Database], Coroutine]) -> Any:
    db = Database(settings.database_url, settings=settings)
    try:
        return await action(db)
    finally:
        await db.dispose()


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from command.migrate import upgrade

    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    _run(_with_db(settings, lambda db: upgrade(db.writer)))
    print("database migrated", file=sys.stderr)
    return 0


def _check_migrated(settings: Settings) -> str | None:
    from command.migrate import pending_migrations

    try:
        pending = _run(_with_db(settings, lambda db: pending_migrations(db.writer)))
    except Exception as exc:
        return f"cannot reach the database ({type(exc).__name__}: {exc})"
    if pending:
        return "the database is not migrated (missing: " + ", ".join(sorted(pending)) + ")"
    return None


def _prepare_metrics_dir(settings: Settings, workers: int) -> None:
    """Several workers share their metrics through files; the workers inherit the
    variable (their settings read it) from this process's environment."""
    if workers <= 1 or settings.metrics_dir is not None:
        return
    path = settings.var_dir / "prometheus"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path.resolve())


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from command.serving import PROTOCOL

    if args.workers > 1 and not settings.redis_url:
        print(
            f"watchfloor: --workers {args.workers} needs WATCHFLOOR_REDIS_URL: the in-process "
            "event bus cannot reach screens connected to another worker",
            file=sys.stderr,
        )
        return 2
    problem = _check_migrated(settings)
    if problem:
        print(f"watchfloor: {problem}; run `watchfloor migrate` first", file=sys.stderr)
        return 2
    _prepare_metrics_dir(settings, args.workers)
    host = settings.host if args.host is None else args.host
    port = settings.port if args.port is None else args.port
    options = dict(
        host=host,
        port=port,
        workers=args.workers,
        # Request headers must arrive within the timeout (slowloris); idle keep-alive too.
        http=PROTOCOL,
        timeout_keep_alive=max(settings.header_timeout_seconds, 0.1),
        # The sans-I/O implementation: no extra tasks per connection, and sends wait for
        # the socket to drain (the back-pressure realtime's slow-consumer policy relies on).
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        ws_max_size=64 * 1024,
        backlog=4096,
        timeout_graceful_shutdown=10,
        log_level=args.log_level,
        proxy_headers=True,
    )
    if not args.welcome:
        uvicorn.run("command.app:create_app", factory=True, **options)
        return 0
    banner = welcome_banner(host, port)
    if args.workers > 1:
        print(banner, flush=True)
        uvicorn.run("command.app:create_app", factory=True, **options)
        return 0
    _serve_with_banner(uvicorn.Config("command.app:create_app", factory=True, **options), banner)
    return 0


def _reachable_addresses() -> list[str]:
    """This machine's own addresses, for a screen on another machine (no packet is sent)."""
    try:
        addresses = socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        return []
    return [address for address in addresses if not address.startswith("127.")]


def welcome_banner(host: str, port: int) -> str:
    """What `make run` ends with: where to sign in, the demo users and their pages."""
    from command.demo import DEMO_PASSWORD
    from command.pages import DEMO_ROLES, HOME

    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    lines = ["", "Watchfloor is running. Sign in with a demo user:"]
    for role in DEMO_ROLES:
        lines.append(f"  demo-{role:<12} lands on {HOME[role]}")
    lines.append(f"  (password for all: {DEMO_PASSWORD})")
    if host in ("0.0.0.0", "::"):
        others = [f"http://{address}:{port}/wall" for address in _reachable_addresses()]
        lines.append(
            f"From another machine: {', '.join(others) or f'http://<this machine>:{port}/wall'}"
        )
    else:
        lines.append("A wall on another machine: HOST=0.0.0.0 make run, then open /wall there.")
    lines.append("Stop with Ctrl+C.")
    lines.append(f"Sign-in page: http://{local}:{port}/login")
    return "\n".join(lines)


def _serve_with_banner(config: Any, banner: str) -> None:
    """uvicorn's server, printing the banner once it is listening."""
    import uvicorn

    class WelcomingServer(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                print(banner, flush=True)

    WelcomingServer(config).run()


def cmd_demo(settings: Settings, _args: argparse.Namespace) -> int:
    from command.demo import DEMO_PASSWORD, load_demo

    tokens = _run(_with_db(settings, lambda db: load_demo(db, settings.secret)))
    print(
        f"demo city 黑河市 loaded; users demo-<role> share the password {DEMO_PASSWORD!r}",
        file=sys.stderr,
    )
    for role, token in tokens.items():
        print(f"{role}\t{token}")
    return 0


async def _create_token(db: Database, args: argparse.Namespace) -> str:
    from command.auth.service import create_token
    from command.units.service import get_unit

    async with db.write() as session:
        unit = await get_unit(session, args.unit)
        plain, _ = await create_token(session, unit=unit, role=args.role, label=args.label)
    return plain


def cmd_token_create(settings: Settings, args: argparse.Namespace) -> int:
    print(_run(_with_db(settings, lambda db: _create_token(db, args))))
    return 0


async def _revoke_token(db: Database, settings: Settings, token_id: int) -> None:
    """The API's path: commit the revocation, then publish its event, so that every
    server process drops the token (its cache, its screens) at once. Without Redis the
    server is another process this one cannot reach: it finds the unpublished
    revocation itself within a fraction of a second (realtime.service's watch)."""
    from command.auth.service import revoke_token
    from realtime.backends import create_bus
    from realtime.publisher import Publisher, mark_published

    publisher = None
    if settings.redis_url:
        bus = create_bus(settings.redis_url)
        await bus.start()
        publisher = db.on_events = Publisher(bus)
    try:
        async with db.write() as session:
            await revoke_token(session, token_id=token_id, within="/", actor="cli")
        if publisher is not None and (published := publisher.take_published()):
            await mark_published(db, published)
    finally:
        if publisher is not None:
            await publisher.bus.stop()


def cmd_token_revoke(settings: Settings, args: argparse.Namespace) -> int:
    _run(_with_db(settings, lambda db: _revoke_token(db, settings, args.id)))
    print(f"token {args.id} revoked", file=sys.stderr)
    return 0


async def _token_rows(db: Database, show_revoked: bool) -> list[list[str]]:
    from sqlalchemy import select

    from command.auth.models import ApiToken
    from command.units.models import Unit

    query = select(ApiToken, Unit).join(Unit, Unit.id == ApiToken.unit_id).order_by(ApiToken.id)
    if not show_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    async with db.read() as session:
        rows = (await session.execute(query)).all()
    return [
        [
            str(token.id),
            token.prefix + "…",
            token.role,
            f"{unit.code} {unit.name}",
            token.label or "-",
            _moment(token.created_at),
            _moment(token.last_used_at),
            _moment(token.revoked_at) if token.revoked_at else "live",
        ]
        for token, unit in rows
    ]


def _moment(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    """Tab-separated, a header first: readable, and easy to cut or awk."""
    for row in [header, *rows]:
        print("\t".join(row))


def cmd_token_list(settings: Settings, args: argparse.Namespace) -> int:
    rows = _run(_with_db(settings, lambda db: _token_rows(db, args.all)))
    header = ["id", "prefix", "role", "unit", "label", "created", "last used", "state"]
    _print_table(header, rows)
    return 0


async def _user_rows(db: Database) -> list[list[str]]:
    from command.auth.users import list_users

    async with db.read() as session:
        found = await list_users(session, within="/")
    return [
        [
            str(user.id),
            user.username,
            user.display_name or "-",
            user.role,
            f"{user.unit} {user.unit_name}",
            "active" if user.active else "disabled",
        ]
        for user in found
    ]


def cmd_user_list(settings: Settings, _args: argparse.Namespace) -> int:
    rows = _run(_with_db(settings, _user_rows))
    _print_table(["id", "username", "name", "role", "unit", "state"], rows)
    return 0


async def _create_user(db: Database, args: argparse.Namespace, password: str) -> None:
    from command.auth.service import create_user
    from command.units.service import get_unit

    async with db.write() as session:
        unit = await get_unit(session, args.unit)
        await create_user(
            session,
            username=args.username,
            password=password,
            unit=unit,
            role=args.role,
            display_name=args.name,
        )


def cmd_user_create(settings: Settings, args: argparse.Namespace) -> int:
    password = settings.password
    if password is None:
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass()
    _run(_with_db(settings, lambda db: _create_user(db, args, password)))
    print(f"user {args.username} created", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from command.auth.roles import ROLES

    parser = argparse.ArgumentParser(prog="watchfloor", description="Watchfloor command system")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the API, websockets and pages")
    serve.add_argument("--host", help=f"default: $HOST, else {DEFAULTS.host}")
    serve.add_argument("--port", type=int, help=f"default: $PORT, else {DEFAULTS.port}")
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--welcome", action="store_true", help="once listening, print where to sign in (make run)"
    )
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="load the demo city (idempotent)").set_defaults(func=cmd_demo)

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="action", required=True)
    create = token.add_parser("create", help="issue a token; prints it alone on stdout")
    create.add_argument("--unit", required=True, help="unit code the token is bound to")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--label", default="")
    create.set_defaults(func=cmd_token_create)
    tlist = token.add_parser("list", help="tokens with the ids `token revoke` takes")
    tlist.add_argument("--all", action="store_true", help="also revoked tokens")
    tlist.set_defaults(func=cmd_token_list)
    revoke = token.add_parser("revoke", help="revoke a token by id (see `token list`)")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(func=cmd_token_revoke)

    user = sub.add_parser("user", help="users with passwords").add_subparsers(
        dest="action", required=True
    )
    ucreate = user.add_parser(
        "create",
        help="create a user (password from WATCHFLOOR_PASSWORD, --password-stdin or a prompt)",
    )
    ucreate.add_argument("--username", required=True)
    ucreate.add_argument("--unit", required=True)
    ucreate.add_argument("--role", required=True, choices=ROLES)
    ucreate.add_argument("--name", default="")
    ucreate.add_argument("--password-stdin", action="store_true")
    ucreate.set_defaults(func=cmd_user_create)
    user.add_parser("list", help="users with their role and unit").set_defaults(func=cmd_user_list)
    for extend in extensions():
        extend(sub)
    # `rules check` also checks the rule data each domain ships (e.g. the escalation ladder).
    from command.registry import rule_checks

    parser.set_defaults(rule_checks=rule_checks())
    return parser


def extensions() -> list[Callable[[Any], None]]:
    """Each domain's commands (e.g. `rules check`) register their sub-parsers."""
    from command.registry import domains

    return [domain.cli for domain in domains() if domain.cli is not None]


def main(argv: list[str] | None = None) -> int:
    from command.errors import ClientError

    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        return args.func(settings, args)
    except ConfigError as exc:
        print(f"watchfloor: configuration error: {exc}", file=sys.stderr)
    except ClientError as exc:
        print(f"watchfloor: {exc.message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
