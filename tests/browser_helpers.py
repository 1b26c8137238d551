"""Helpers of the browser tests: viewports, console capture, sign-in, API calls, contrast.

The fixtures that launch Chromium are in tests/browser_fixtures.py (a pytest plugin the
browser test modules name in `pytest_plugins`); these plain helpers are imported directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from playwright.async_api import Page

from command.demo import DEMO_PASSWORD
from tests.conftest import bearer
from tests.servers import ROOT

WALL = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1440, "height": 1000}
ZONE_OFFSET = timedelta(hours=8)  # Asia/Shanghai, the deployment zone of the tests

# What Chromium logs when a test cuts the connection on purpose.
SERVER_DOWN = (
    r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/ws' failed",
    r"net::ERR_CONNECTION_REFUSED",
    r"net::ERR_CONNECTION_RESET",
)
OFFLINE = (
    r"net::ERR_INTERNET_DISCONNECTED",
    # A request the report page's service worker could neither fetch nor find in its cache.
    r"net::ERR_FAILED",
)


class Console:
    """Console errors and uncaught exceptions of one page. A test asserts there are none,
    except the network errors Chromium logs for a cut the test makes on purpose (the
    server stopped, the network taken offline, a 409 the page is expected to handle)."""

    def __init__(self, page: Page) -> None:
        self.entries: list[str] = []
        page.on("console", self._message)
        page.on("pageerror", lambda error: self.entries.append(f"pageerror: {error}"))

    def _message(self, message: Any) -> None:
        if message.type == "error":
            self.entries.append(message.text)

    def errors(self, allowed: Iterable[str] = ()) -> list[str]:
        patterns = [re.compile(p) for p in allowed]
        return [e for e in self.entries if not any(p.search(e) for p in patterns)]


async def sign_in(page: Page, base_url: str, username: str, path: str) -> None:
    await page.goto(f"{base_url}/login?next={path}")
    await page.fill("#username", username)
    await page.fill("#password", DEMO_PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base_url}{path}")


async def wait_live(page: Page, within_ms: float = 20_000) -> None:
    await page.wait_for_selector('#connection[data-state="live"]', timeout=within_ms)


def fast_ruleset(tmp_path: Path) -> Path:
    """cn-national with seconds for minutes and hours: level IV phone 3 s, written 4 s,
    warning at half the window (amber long enough to see on a loaded machine), grace 1 s."""
    text = (ROOT / "command" / "rules" / "cn-national.toml").read_text(encoding="utf-8")
    for old, new in {
        '"PT30M"': '"PT2S"',
        '"PT1H"': '"PT3S"',
        '"PT2H"': '"PT4S"',
        '"PT10M"': '"PT1S"',
        "warning_fraction = 0.75": "warning_fraction = 0.5",
        'name = "cn-national"': 'name = "pages-fast"',
    }.items():
        text = text.replace(old, new)
    path = tmp_path / "pages-fast.toml"
    path.write_text(text, encoding="utf-8")
    return path


def local_input(moment: datetime) -> str:
    """A datetime-local value in the deployment's zone (Asia/Shanghai)."""
    return (moment.astimezone(UTC) + ZONE_OFFSET).strftime("%Y-%m-%dT%H:%M")


def unique(title: str) -> str:
    return f"{title} {uuid4().hex[:6]}"


def incident_body(title: str, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "title": title,
        "category": "accident",
        "type": "residential fire",
        "level": "IV",
        "occurred_at": (now - timedelta(minutes=5)).isoformat(),
        "unit": "231102001",
        "geometry": {"type": "Point", "coordinates": [127.4901234, 50.2456789]},
        "summary": "三楼起火，已疏散居民",
        "casualties": {"dead": 0, "missing": 0, "injured": 1},
    }
    return {**body, **overrides}


async def post_incident(base_url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.post("/api/incidents", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()


async def incidents_titled(base_url: str, token: str, title: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.get("/api/incidents?limit=500", headers=bearer(token))
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if item["title"] == title]


# WCAG 2 contrast of each visible element's text against the first opaque background
# behind it; large text (24 px, or 18.66 px bold) needs 3:1, other text 4.5:1.
CONTRAST_SCRIPT = """
(selector) => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (node) => {
    for (; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || c[3] === 1) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll(selector)]
    .filter((node) => node.offsetParent !== null && node.textContent.trim())
    .map((node) => {
      const style = getComputedStyle(node);
      const [a, b] = [lum(rgb(style.color)), lum(background(node))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      return { text: node.textContent.trim().slice(0, 40), ratio, needed: large ? 3 : 4.5 };
    })
    .filter((item) => item.ratio < item.needed);
}
"""


async def low_contrast(page: Page, selector: str) -> list[dict[str, Any]]:
    return await page.evaluate(CONTRAST_SCRIPT, selector)
