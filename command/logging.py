"""Structured logs (structlog): key=value on a terminal, JSON lines in production."""

from __future__ import annotations

import logging
import re
import sys

import structlog


def configure_logging(*, json_lines: bool = False, level: int = logging.INFO) -> None:
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )


# Credentials that travel in URLs: kiosk screens (/wall?token=wf_…), calendar clients
# (/api/drills.ics?token=…) and the acknowledgement links of notifications (/n/<token>).
_QUERY_TOKEN = re.compile(r"([?&](?:token|access_token)=)[^&#\s]*", re.IGNORECASE)
_ACK_LINK = re.compile(r"^/n/[^/?#\s]+")
_BARE_TOKEN = re.compile(r"wf_[A-Za-z0-9_\-]{6,}")
REDACTED = "[redacted]"


def redact_target(target: str) -> str:
    """A request target fit for a log line: the credentials in it replaced."""
    target = _QUERY_TOKEN.sub(r"\1" + REDACTED, target)
    target = _ACK_LINK.sub("/n/" + REDACTED, target)
    return _BARE_TOKEN.sub("wf_" + REDACTED, target)


class RedactTokens(logging.Filter):
    """uvicorn's log lines without the tokens in their request targets: the access log
    (args: client, method, target, HTTP version, status) and the websocket lines of its
    error log (args: client, target, status), whatever the position of the target."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(
                redact_target(arg) if isinstance(arg, str) and arg.startswith("/") else arg
                for arg in args
            )
        return True


# uvicorn.error logs each websocket's target ('"WebSocket /ws?…" [accepted]').
REDACTED_LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact_access_log() -> None:
    """Install the filter on uvicorn's loggers, once per process."""
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
