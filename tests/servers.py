"""Real `watchfloor serve` processes on free loopback ports, for end-to-end tests."""

from __future__ import annotations

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from bench.common import ROOT, free_port
from bench.common import ServerProcess as Process

__all__ = ["ROOT", "ServerProcess", "free_port", "server_env", "webhook_server"]


class ServerProcess(Process):
    """One `watchfloor serve` process; `start()` returns once /api/health answers 200."""

    def __init__(self, env: dict[str, str], *, port: int | None = None, log: Path) -> None:
        port = port or free_port()
        argv = [sys.executable, "-m", "command.cli", "serve", "--port", str(port)]
        argv += ["--log-level", "warning"]
        super().__init__(argv, env=env, port=port, health="/api/health", log=log)

    def stop(self, timeout: float = 15.0) -> None:
        super().stop(timeout)


def server_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a server on the test's database (and Redis, if given)."""
    from tests.conftest import SECRET

    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHFLOOR_")}
    env.update(
        WATCHFLOOR_DATABASE_URL=database_url,
        WATCHFLOOR_SECRET=SECRET,
        WATCHFLOOR_VAR_DIR=str(tmp_path),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def webhook_server() -> tuple[HTTPServer, list]:
    """A real HTTP peer on loopback that answers 200 to every POST and keeps its JSON body;
    serving on a daemon thread until `shutdown()`."""
    received: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("content-length", 0))
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, received
