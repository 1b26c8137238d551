"""The one JSON encoding of the service: compact UTF-8 text, datetimes as ISO 8601, pydantic
models by their JSON dump. orjson does the work: JSON is on every hot path (request bodies,
JSON columns, every realtime message)."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel

DecodeError = orjson.JSONDecodeError
loads = orjson.loads


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps_bytes(value: Any) -> bytes:
    return orjson.dumps(value, default=_default)


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=_default).decode()
