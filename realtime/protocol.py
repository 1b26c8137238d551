"""The websocket protocol: client messages, server frames, close codes and limits.

Documented for client authors in docs/websocket-protocol.md; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from command import jsontext
from realtime.bus import Entry, StreamId, dumps, format_id, parse_id


class CloseCode(IntEnum):
    GOING_AWAY = 1001  # the server is shutting down: reconnect with your cursor
    INTERNAL_ERROR = 1011
    TRY_AGAIN_LATER = 1013  # the event bus is unreachable right now
    MALFORMED = 4000  # not JSON, not a JSON object, a binary frame, an invalid field
    UNAUTHENTICATED = 4001  # bad, revoked or missing token (and no session cookie)
    HELLO_EXPECTED = 4002  # the first message was not a hello, or none came in time
    FORBIDDEN = 4003  # a topic or unit outside the credential's rights
    UNKNOWN_TOPIC = 4004
    TOO_SLOW = 4008  # this connection fell too far behind: reconnect with your cursor
    TOO_LARGE = 4009  # a client message over the size limit
    STREAM_RESET = 4010  # the stream restarted (new epoch): reconnect with your cursor
    RATE_LIMITED = 4029  # too many client messages


# Close reasons travel in a control frame, which holds at most 123 bytes of reason.
MAX_REASON_BYTES = 123


class ChannelClosed(Exception):
    """End the connection with this application close code and reason."""

    def __init__(self, code: CloseCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = clip_reason(reason)


def clip_reason(reason: str) -> str:
    encoded = reason.encode()
    if len(encoded) <= MAX_REASON_BYTES:
        return reason
    return encoded[: MAX_REASON_BYTES - 3].decode(errors="ignore") + "..."


@dataclass(frozen=True)
class Limits:
    """Per-connection bounds; the overflow policy is to close with TOO_SLOW."""

    queue_frames: int = 256  # frames waiting for a connection that cannot keep up
    queue_chars: int = 1024 * 1024  # and their total size
    message_bytes: int = 4096  # largest client message
    json_depth: int = 16  # arrays and objects nested deeper in a client message: MALFORMED
    messages_per_second: float = 5.0  # client messages, on average
    message_burst: int = 20  # and at once
    hello_seconds: float = 10.0  # from connecting to the hello
    # How long a closing connection may take to accept its close frame (a slow reader
    # learns why it was cut); past it the socket is dropped without one.
    close_seconds: float = 30.0


class Hello(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["hello"]
    token: str | None = Field(default=None, max_length=256)
    topics: list[str] = Field(min_length=1, max_length=16)
    cursor: str | None = Field(default=None, max_length=128)
    unit: str | None = Field(default=None, max_length=64)


def read_client_message(message: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """A client's ASGI websocket.receive message as a JSON object, or ChannelClosed."""
    text = message.get("text")
    if text is None:
        raise ChannelClosed(CloseCode.MALFORMED, "send JSON in text frames, not binary")
    if len(text) > limits.message_bytes or len(text.encode()) > limits.message_bytes:
        raise ChannelClosed(CloseCode.TOO_LARGE, f"message over {limits.message_bytes} bytes")
    try:
        data = jsontext.parse(text, max_depth=limits.json_depth)
    except jsontext.TooDeep:
        raise ChannelClosed(CloseCode.MALFORMED, "message nested too deep") from None
    except jsontext.JsonError:
        raise ChannelClosed(CloseCode.MALFORMED, "message is not valid JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ChannelClosed(CloseCode.MALFORMED, 'message must be a JSON object with a "type"')
    return data


def parse_hello(data: dict[str, Any]) -> Hello:
    if data["type"] != "hello":
        raise ChannelClosed(
            CloseCode.HELLO_EXPECTED, f"first message must be a hello, got {data['type']!r}"
        )
    try:
        return Hello.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'hello'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ChannelClosed(CloseCode.MALFORMED, f"invalid hello: {problems}") from None


def format_cursor(epoch: str, position: StreamId) -> str:
    return f"{epoch}:{format_id(position)}"


def parse_cursor(text: str) -> tuple[str, StreamId] | None:
    epoch, sep, position = text.partition(":")
    parsed = parse_id(position) if sep and epoch else None
    return (epoch, parsed) if parsed is not None else None


def server_time() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def event_frame(epoch: str, entry: Entry) -> str:
    """The frame of one event, built once and sent as is to every subscriber."""
    cursor = dumps(format_cursor(epoch, entry.id))
    return f'{{"type":"event","cursor":{cursor},"event":{entry.body}}}'


def welcome_frame(
    *, epoch: str, cursor: str, resumed: bool, topics: list[str], unit: str, heartbeat: float
) -> str:
    return dumps(
        {
            "type": "welcome",
            "epoch": epoch,
            "cursor": cursor,
            "resumed": resumed,
            "server_time": server_time(),
            "heartbeat_seconds": heartbeat,
            "topics": topics,
            "unit": unit,
        }
    )


def snapshot_frame(
    *,
    cursor: str,
    reset: str | None,
    topics: dict[str, Any],
    truncated: dict[str, dict[str, int]] | None = None,
) -> str:
    frame = {
        "type": "snapshot",
        "cursor": cursor,
        "reset": reset is not None,
        "reason": reset,
        "server_time": server_time(),
        "topics": topics,
    }
    if truncated:
        # A topic whose state stops at a limit: {"incidents": {"shown": 1000, "more": 234}}.
        frame["truncated"] = truncated
    return dumps(frame)


LIVE = "live"
DEGRADED = "degraded"


def heartbeat_frame(cursor: str, channel: str = LIVE) -> str:
    return dumps(
        {"type": "heartbeat", "server_time": server_time(), "cursor": cursor, "channel": channel}
    )


def status_frame(channel: str, reason: str = "") -> str:
    """The channel's health changed: `degraded` while the event bus is unreachable (no
    live events arrive, although heartbeats do), `live` again once it is back."""
    return dumps(
        {"type": "status", "channel": channel, "reason": reason, "server_time": server_time()}
    )


def pong_frame(echo: Any) -> str:
    return dumps({"type": "pong", "server_time": server_time(), "echo": echo})
