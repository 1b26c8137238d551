"""`make run` from the checkout: it migrates, loads the demo city, serves, and its last lines
tell a newcomer where to sign in, with which users, and how a wall on another machine
reaches it."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
import time

import httpx
import pytest

from tests.servers import ROOT, free_port

WITHIN_SECONDS = 300  # a first run installs; a loaded machine is slow


def _lines_until_banner(process: subprocess.Popen) -> list[str]:
    # A reader thread, not select(): several lines arriving in one write would sit in the
    # pipe's text buffer, invisible to select, until the deadline.
    found: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            found.put(line.rstrip("\n"))
        found.put(None)

    threading.Thread(target=read, daemon=True).start()
    lines: list[str] = []
    deadline = time.monotonic() + WITHIN_SECONDS
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = found.get(timeout=left)
        except queue.Empty:
            break
        if line is None:
            break
        lines.append(line)
        if line.startswith("Sign-in page:"):
            return lines
    raise AssertionError("make run printed no sign-in line:\n" + "\n".join(lines[-40:]))


def test_make_run_ends_with_the_sign_in_url_and_the_demo_users(tmp_path):
    if shutil.which("make") is None or not (ROOT / ".venv" / "bin" / "watchfloor").exists():
        pytest.skip("needs make and the checkout's .venv (make install)")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHFLOOR_")}
    env.update(WATCHFLOOR_VAR_DIR=str(tmp_path / "var"), PORT=str(port), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        ["make", "-s", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        lines = _lines_until_banner(process)
        last = lines[-10:]
        assert last[-1] == f"Sign-in page: http://127.0.0.1:{port}/login"
        assert "  demo-display      lands on /wall" in last
        assert "  demo-reporter     lands on /report" in last
        assert "  (password for all: watchfloor-demo)" in last
        assert any("HOST=0.0.0.0 make run" in line for line in last)
        # The server is listening when the banner says so, and the page it names answers.
        page = httpx.get(f"http://127.0.0.1:{port}/login", timeout=10)
        assert page.status_code == 200 and "demo-commander" in page.text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
