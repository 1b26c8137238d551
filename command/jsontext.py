"""The one JSON encoding of the service: compact UTF-8 text, datetimes as ISO 8601, pydantic
models by their JSON dump. orjson does the work: JSON is on every hot path (request bodies,
JSON columns, every realtime message).

`parse` is the one way untrusted JSON comes in (HTTP bodies, websocket messages): bounded in
nesting depth, so nothing downstream (validation, the NUL check, orjson's own encoder when
the value is echoed or stored) can run out of stack on it.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from pydantic import BaseModel

DecodeError = orjson.JSONDecodeError
loads = orjson.loads

# Arrays and objects nested deeper than this are refused (a MultiPolygon inside a body is 6).
MAX_DEPTH = 32
# Integers longer than this are read as floats, as orjson does: 10**400 becomes inf, which
# validation refuses naming the field, instead of an integer no column or float can hold.
_INT_DIGITS = 19


class JsonError(ValueError):
    """The text is not JSON this service reads; the message says why."""


class TooDeep(JsonError):
    """Arrays and objects nested deeper than the limit."""


def _number(text: str) -> int | float:
    return int(text) if len(text.lstrip("-")) <= _INT_DIGITS else float(text)


def _lenient(data: bytes | str) -> Any:
    """What orjson refuses but Python clients send (NaN, Infinity, huge integers): parsed,
    they reach validation, whose 422 names the field, more use than a 400 for the body."""
    try:
        return json.loads(data, parse_int=_number)
    except RecursionError:
        raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonError(str(exc)) from None


def _nesting(data: bytes | str) -> int:
    """An upper bound of the nesting depth, cheap: the number of opening brackets."""
    return data.count(b"[" if isinstance(data, bytes) else "[") + data.count(
        b"{" if isinstance(data, bytes) else "{"
    )


def too_deep(value: Any, max_depth: int) -> bool:
    """True when arrays or objects in `value` nest deeper than `max_depth` (iterative)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Untrusted JSON text as Python values, or JsonError (TooDeep past `max_depth`)."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc) or "recursion" in str(exc).lower():
            raise TooDeep(f"JSON nested deeper than {max_depth} levels") from None
        value = _lenient(data)
    if isinstance(value, dict | list) and _nesting(data) > max_depth:
        if too_deep(value, max_depth):
            raise TooDeep(f"JSON nested deeper than {max_depth} levels")
    return value


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
