"""Take docs/wall-display.png (the wall, 1920×1080) and docs/desk.png (the duty desk,
1440×900) of the demo city in Chromium; then docs/wall-busy-en.png (the wall in English
with 40 open incidents and 6 drills under way), docs/report-phone.png (the field page at
390×844) and docs/login.png (the sign-in page with the demo users).

    .venv/bin/python docs/screenshot.py [--out docs/wall-display.png] [--desk docs/desk.png]
                                        [--keep]

Starts a real `watchfloor serve` on a fresh SQLite file holding the demo city (units,
accounts, and the demo incidents, plans and drills), signs in as demo-display, waits for
the wall to go live and draw the board, and saves the screenshot; then signs in as
demo-commander on /desk and opens the most urgent incident. Needs Debian's
chromium (`make browser`) and Leaflet in node_modules (`make install`). No internet: the
map is drawn without tiles. `--keep` leaves the server running for a look by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from command.db import Database  # noqa: E402
from command.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_loaders, demo_token, load_demo  # noqa: E402
from command.incidents import demo as incident_demo  # noqa: E402
from command.migrate import upgrade  # noqa: E402
from plans import demo as plan_demo  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


async def prepare(database_url: str, secret: str) -> None:
    """Migrate and load the demo city with every domain's demo data (each loader is
    idempotent, so one `watchfloor demo` already lists does no harm)."""
    db = Database(database_url)
    try:
        await upgrade(db.writer)
        await load_demo(db, secret)
        for loader in (incident_demo.load, plan_demo.load):
            if loader not in demo_loaders():
                async with db.write() as session:
                    await loader(session)
    finally:
        await db.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "command.cli", "serve", "--port", str(port)]
    with log.open("ab") as out:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start in 30 s")


async def shoot_desk(browser, base_url: str, out: Path) -> None:
    page = await browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    await page.goto(f"{base_url}/login?next=/desk")
    await page.fill("#username", "demo-commander")
    await page.fill("#password", DEMO_PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector('#connection[data-state="live"]', timeout=15000)
    await page.wait_for_selector(".queue .q-item", timeout=15000)
    await page.focus("#queue")
    await page.keyboard.press("Home")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("#incident .iv-title", timeout=15000)
    await page.evaluate("() => document.activeElement.blur()")
    await page.wait_for_timeout(1500)  # the lists beside and the map settle
    await page.screenshot(path=str(out))
    await page.close()


async def sign_in(page, base_url: str, username: str, path: str) -> None:
    await page.goto(f"{base_url}/login?next={path}")
    await page.fill("#username", username)
    await page.fill("#password", DEMO_PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base_url}{path}")


async def shoot_more(browser, base_url: str, secret: str, folder: Path) -> None:
    """The busy wall in English, the phone's field page, the sign-in page."""
    from tests.wall_room_fixtures import drills_under_way, open_incidents

    tokens = {role: demo_token(secret, role, unit) for role, unit in DEMO_ACCOUNTS}
    page = await browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    await page.goto(f"{base_url}/login")
    await page.screenshot(path=str(folder / "login.png"))
    await sign_in(page, base_url, "demo-reporter", "/report")
    await page.wait_for_selector("#i-map .leaflet-tooltip", timeout=15000)
    await page.wait_for_timeout(1000)
    await page.screenshot(path=str(folder / "report-phone.png"))
    await page.close()

    async with httpx.AsyncClient(base_url=base_url) as client:
        listed = await client.get(
            "/api/incidents?status=reported,verified,responding,stabilized&limit=500",
            headers={"Authorization": f"Bearer {tokens['commander']}"},
        )
    have = len(listed.json()["items"])
    await open_incidents(base_url, tokens["commander"], max(0, 40 - have))
    await drills_under_way(base_url, tokens["coordinator"], 6)
    await asyncio.sleep(6)  # the drills begin
    page = await browser.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    await sign_in(page, base_url, "demo-display", "/wall")
    await page.wait_for_selector('#connection[data-state="live"]', timeout=15000)
    await page.click("#lang")
    await page.wait_for_selector('#board[data-mode="paged"]', timeout=15000)
    await page.wait_for_timeout(1500)
    await page.screenshot(path=str(folder / "wall-busy-en.png"))
    await page.close()


async def shoot(base_url: str, out: Path, desk: Path, secret: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        await shoot_desk(browser, base_url, desk)
        page = await browser.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        await page.goto(f"{base_url}/login?next=/wall")
        await page.fill("#username", "demo-display")
        await page.fill("#password", DEMO_PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_selector('#connection[data-state="live"]', timeout=15000)
        await page.wait_for_selector(".board .card .clock[data-phase]", timeout=15000)
        await page.wait_for_selector(".leaflet-tooltip.incident-label", timeout=15000)
        await page.wait_for_timeout(1500)  # the owed-report look-ups and the map settle
        await page.screenshot(path=str(out))
        await shoot_more(browser, base_url, secret, out.parent)
        await browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "wall-display.png")
    parser.add_argument("--desk", type=Path, default=ROOT / "docs" / "desk.png")
    parser.add_argument("--keep", action="store_true", help="leave the server running")
    args = parser.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"{CHROMIUM} is missing: run `make browser` first")
    workdir = Path(tempfile.mkdtemp(prefix="watchfloor-screenshot-"))
    secret = secrets.token_urlsafe(24)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHFLOOR_")}
    env.update(
        WATCHFLOOR_DATABASE_URL=f"sqlite:///{workdir / 'demo.db'}",
        WATCHFLOOR_SECRET=secret,
        WATCHFLOOR_VAR_DIR=str(workdir),
    )
    asyncio.run(prepare(f"sqlite+aiosqlite:///{workdir / 'demo.db'}", secret))
    port = free_port()
    server = serve(env, port, workdir / "server.log")
    try:
        asyncio.run(shoot(f"http://127.0.0.1:{port}", args.out, args.desk, secret))
        print(f"wrote {args.out} and {args.desk}")
        if args.keep:
            print(
                f"server on http://127.0.0.1:{port} (demo-display / {DEMO_PASSWORD}); Ctrl-C stops"
            )
            server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(15)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
