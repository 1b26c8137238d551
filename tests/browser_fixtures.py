"""Browser tests: Debian's Chromium driven by Playwright against real server processes.

Playwright cannot download browsers here, so it launches /usr/bin/chromium. Without it the
browser tests skip with the reason, unless WATCHFLOOR_REQUIRE_SERVICES=1, where they fail.
They run on SQLite only: they are about the pages, not the database.

A browser test module names this plugin: `pytest_plugins = ("tests.browser_fixtures",)`;
its helpers are in tests/browser_helpers.py.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.browser_helpers import WALL, Console, sign_in
from tests.conftest import REQUIRE_SERVICES
from tests.servers import ServerProcess, server_env

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def need_chromium() -> None:
    if os.access(CHROMIUM, os.X_OK):
        return
    message = f"{CHROMIUM} is not installed (apt-get install chromium, or `make browser`)"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} and WATCHFLOOR_REQUIRE_SERVICES=1")
    pytest.skip(f"{message}; the browser tests need it")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    need_chromium()
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh copy of the migrated demo-city SQLite file."""
    path = tmp_path / "pages.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="module")
def shared_server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """One server on one fresh database for all the tests of a module, for tests that
    leave each other alone (their own titles, their own browser contexts): a server
    takes seconds to start."""
    need_chromium()
    tmp = tmp_path_factory.mktemp("pages")
    shutil.copy(sqlite_template, tmp / "pages.db")
    env = server_env(f"sqlite+aiosqlite:///{tmp / 'pages.db'}", tmp)
    server = ServerProcess(env, log=tmp / "server.log").start()
    yield server
    server.stop()


class Pages:
    """Opens signed-in pages in fresh browser contexts (own cookies and storage)."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []

    async def context(self, viewport: dict[str, int] = WALL, **options: Any) -> BrowserContext:
        context = await self.browser.new_context(viewport=viewport, locale="zh-CN", **options)
        self.contexts.append(context)
        return context

    async def open(
        self,
        server: ServerProcess,
        username: str,
        path: str,
        *,
        context: BrowserContext | None = None,
        viewport: dict[str, int] = WALL,
    ) -> tuple[Page, Console]:
        context = context or await self.context(viewport)
        page = await context.new_page()
        console = Console(page)
        await sign_in(page, server.url, username, path)
        return page, console

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


@pytest.fixture
async def pages(browser: Browser) -> AsyncIterator[Pages]:
    opened = Pages(browser)
    yield opened
    await opened.close()
