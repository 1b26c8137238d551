"""Cross-site request forgery: a write that rides on the session cookie must come from a
page of this very site.

Browsers send `Origin` on every POST, PUT, PATCH and DELETE (and `Sec-Fetch-Site` with
it); a page of another site cannot forge either. So a cookie-authenticated write is
accepted only when `Origin` names this site (the address the request came to, or
WATCHFLOOR_PUBLIC_URL), or, without `Origin`, when `Sec-Fetch-Site` says same-origin. A
request with neither is refused: it is no browser, and scripts sign in with tokens.
Requests with an `Authorization` header carry no cookie authority and are not checked.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from command.errors import ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def trusted_origins(conn: HTTPConnection) -> set[str]:
    own = _origin_of(str(conn.base_url))
    return {own, _origin_of(conn.app.state.settings.public_url)}


def is_same_origin(conn: HTTPConnection) -> bool:
    origin = conn.headers.get("origin")
    if origin is not None:
        return origin.strip().lower().rstrip("/") in trusted_origins(conn)
    return conn.headers.get("sec-fetch-site", "").lower() == "same-origin"


def ensure_same_origin(conn: HTTPConnection) -> None:
    """403 `cross_origin` for a cookie-authenticated write from anywhere but this site."""
    if conn.scope.get("method", "GET") in SAFE_METHODS or is_same_origin(conn):
        return
    raise ApiError(
        403,
        "a write signed in by the session cookie must come from this site's pages "
        "(Origin or Sec-Fetch-Site); scripts use an API token",
        code="cross_origin",
    )
