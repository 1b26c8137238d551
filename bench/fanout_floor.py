"""The floors of bench/fanout.py: a bare Starlette websocket broadcast, optionally after
inserting the report as one row (FLOOR_DATABASE_URL), on the same SQLite settings as
watchfloor: `uvicorn --factory bench.fanout_floor:floor_app`."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


def floor_app() -> Starlette:
    """Broadcast each POST /publish body to every /ws screen; FLOOR_DATABASE_URL makes it
    insert the body first."""
    screens: set[WebSocket] = set()
    insert = _floor_insert(os.environ.get("FLOOR_DATABASE_URL"))

    async def screen(websocket: WebSocket) -> None:
        await websocket.accept()
        screens.add(websocket)
        try:
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
        finally:
            screens.discard(websocket)

    async def publish(request: Request) -> Response:
        body = (await request.body()).decode()
        await insert(body)
        for websocket in list(screens):
            try:
                await websocket.send_text(body)
            except (WebSocketDisconnect, RuntimeError):
                screens.discard(websocket)
        return Response(status_code=201)

    async def health(_request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    routes = [
        Route("/publish", publish, methods=["POST"]),
        Route("/health", health),
        WebSocketRoute("/ws", screen),
    ]
    return Starlette(routes=routes, lifespan=getattr(insert, "lifespan", None))


def _floor_insert(url: str | None):
    async def nothing(_body: str) -> None:
        return None

    if not url:
        return nothing
    from sqlalchemy import Column, Integer, MetaData, Table, Text, event
    from sqlalchemy.ext.asyncio import create_async_engine

    table = Table(
        "reports", MetaData(), Column("id", Integer, primary_key=True), Column("body", Text)
    )
    engine = create_async_engine(url, pool_size=1, max_overflow=0)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=15000"):
            connection.execute(f"PRAGMA {pragma}")

    async def insert(body: str) -> None:
        async with engine.begin() as conn:
            await conn.execute(table.insert(), {"body": body})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with engine.begin() as conn:
            await conn.run_sync(table.create, checkfirst=True)
        yield
        await engine.dispose()

    insert.lifespan = lifespan  # type: ignore[attr-defined]
    return insert
