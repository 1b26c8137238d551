"""Conditional writes (RFC 9110 §13.1.1, If-Match): a row's entity tag comes from its id
and version, and a write that names the tags its caller last saw goes ahead only while
one of them is still current, so that two people never overwrite each other unseen."""

from __future__ import annotations

from typing import Any

from command.errors import PreconditionFailed


def entity_tag(row_id: int, version: int) -> str:
    """A strong tag: it changes with every change of the row."""
    return f'"{row_id}.{version}"'


def if_match_holds(if_match: str | None, current: str) -> bool:
    """No header, "*", or a list of tags one of which is `current` (strong comparison)."""
    if if_match is None:
        return True
    tags = {tag.strip() for tag in if_match.split(",")}
    return "*" in tags or current in tags


def changed_since_seen(what: str, current: str, body: Any) -> PreconditionFailed:
    """412 for a write whose caller saw an older `what`; it carries the current tag and body."""
    return PreconditionFailed(
        f"{what} has changed since you saw it (now {current})",
        extra={"etag": current, "current": body},
    )
