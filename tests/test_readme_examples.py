"""The README's API example, run as written from the checkout: the token from the CLI,
the key from python3, the report with curl; and on a machine where no key could be made,
the command stops rather than file the report without one."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import httpx
import pytest

from tests.conftest import bearer
from tests.servers import ROOT, server_env

README = ROOT / "README.md"


def _api_example() -> str:
    api = README.read_text(encoding="utf-8").split("\n## API\n", 1)[1]
    [block] = re.findall(r"```sh\n(.*?)```", api.split("\n## ", 1)[0], re.S)
    assert "curl" in block and "Idempotency-Key" in block
    return block


def _run(block: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", block], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


async def _count(url: str, token: str) -> int:
    async with httpx.AsyncClient(base_url=url) as client:
        listed = await client.get("/api/incidents?limit=500", headers=bearer(token))
    return len(listed.json()["items"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_api_example_works_as_written_and_never_sends_without_a_key(
    database_url, start_server, tmp_path, demo
):
    if shutil.which("curl") is None or not (ROOT / ".venv" / "bin" / "watchfloor").exists():
        pytest.skip("needs curl and the checkout's .venv (make install)")
    server = start_server(database_url)
    block = _api_example().replace("http://127.0.0.1:8000", server.url)
    env = server_env(database_url, tmp_path)
    before = await _count(server.url, demo["commander"])
    done = _run(block, env)
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    assert created["title"] == "花园街道居民楼火情" and created["unit"] == "231102001"
    assert await _count(server.url, demo["commander"]) == before + 1

    # No python3 to make the key: the command stops, and nothing is filed.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python3").write_text("#!/bin/sh\nexit 127\n")
    (fake / "python3").chmod(0o755)
    done = _run(block, {**env, "PATH": f"{fake}{os.pathsep}{env['PATH']}"})
    assert done.returncode != 0 and "no key" in done.stderr, (done.stdout, done.stderr)
    assert await _count(server.url, demo["commander"]) == before + 1
