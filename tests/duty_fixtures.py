"""Helpers of the duty tests: a shift's request body around now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

CITY = "231100"


def at(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def shift_body(start: float, end: float, **overrides: Any) -> dict[str, Any]:
    body = {
        "unit": CITY,
        "starts_at": at(start),
        "ends_at": at(end),
        "leader": {"name": "张副市长", "phone": "13900000001"},
        "officers": [{"name": "李值班", "phone": "13900000002", "email": "li@example.org"}],
        "line": "0456-8220000",
    }
    body.update(overrides)
    return body
