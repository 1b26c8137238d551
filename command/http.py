"""Request parsing and response helpers shared by every view."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from command import jsontext
from command.errors import ApiError, Invalid, NotFound, error_body, validation_error
from command.idempotency import Work, fingerprint, run_once
from command.ids import MAX_ID, MAX_INT32

M = TypeVar("M", bound=BaseModel)
MAX_NUMBER = MAX_INT32  # a 32-bit INTEGER column, such as a plan's version number


async def read_body(request: Request, limit: int | None = None) -> bytes:
    """The request body, refused with 413 as soon as it passes the limit."""
    limit = limit or request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise ApiError(413, f"request body exceeds the limit of {limit} bytes")
        except ValueError:
            raise ApiError(400, "invalid Content-Length header") from None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def refuse_nul(field: str, text: str) -> None:
    """PostgreSQL text cannot hold NUL: refused for every backend alike, after decoding
    (JSON escapes, percent-encoding, multipart), as 422 naming the field."""
    if "\x00" in text:
        raise Invalid(
            field,
            f"{field}: text must not contain NUL characters",
            bare=True,
            details=[{"field": field, "message": "NUL character", "type": "nul"}],
        )


def _nul_answer(scope: Scope) -> JSONResponse | None:
    """The answer to a request whose path or query holds a NUL once decoded, else None."""
    if "\x00" in scope.get("path", ""):
        return JSONResponse(error_body("not_found", "a path with a NUL names nothing"), 404)
    query = scope.get("query_string", b"")
    if b"%00" not in query and b"\x00" not in query:
        return None
    # Decoded as Starlette decodes request.query_params (percent-decoding, then UTF-8).
    for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if "\x00" in key + value:
            field = "query" if "\x00" in key else f"query.{key}"
            details = [{"field": field, "message": "NUL character", "type": "nul"}]
            message = f"{field}: text must not contain NUL characters"
            return JSONResponse(error_body("invalid", message, details), 422)
    return None


class RefuseNul:
    """NUL refused after decoding in every request's path and query, before any view (or
    the database, PostgreSQL text cannot hold one) sees it, whether the view reads its
    query through parse_query, request.query_params or a path parameter: 404 for a path
    (it names nothing, as an id out of range), 422 naming the query field."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = _nul_answer(scope) if scope["type"] == "http" else None
        if answer is None:
            await self.app(scope, receive, send)
        else:
            await answer(scope, receive, send)


def _ensure_json_type(request: Request) -> None:
    """A body read as JSON must say so, unless the request carries a token: a page of
    another site can send text/plain or a form with a cookie and no preflight, but never
    application/json."""
    if "authorization" in request.headers:
        return
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise ApiError(415, "send the body as application/json")


async def read_json(request: Request) -> Any:
    _ensure_json_type(request)
    body = await read_body(request)
    if not body:
        raise ApiError(400, "request body is empty; send a JSON object")
    depth = request.app.state.settings.max_json_depth
    try:
        data = jsontext.parse(body, max_depth=depth)
    except jsontext.TooDeep as exc:
        raise ApiError(400, f"malformed JSON: {exc}", code="json_too_deep") from None
    except jsontext.JsonError as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from None
    if b"\\u0000" in body and (field := _nul_field(data)) is not None:
        refuse_nul(field, "\x00")
    return data


def _nul_field(value: Any, path: str = "body") -> str | None:
    """The path of the first string (key or value) holding a NUL character."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        child = f"{path}.{key}" if path != "body" else str(key)
        if isinstance(key, str) and "\x00" in key:
            return child
        if (found := _nul_field(item, child)) is not None:
            return found
    return None


# Validation error types that mean "too big" rather than "wrong": 413 with this code.
TOO_LARGE_TYPES = {"geometry_too_large"}


async def read_model(request: Request, model: type[M]) -> M:
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ApiError(422, "request body must be a JSON object")
    try:
        return model.model_validate(data, context={"settings": request.app.state.settings})
    except ValidationError as exc:
        error = validation_error(exc)
        large = next((d for d in error.details or [] if d["type"] in TOO_LARGE_TYPES), None)
        if large is not None:
            raise ApiError(
                413, f"{large['field']}: {large['message']}", code=large["type"], details=[large]
            ) from None
        raise error from None


def parse_query(request: Request, model: type[M]) -> M:
    params: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        params[key] = values if len(values) > 1 else values[0]
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise validation_error(exc, ("query",)) from None


def path_id(request: Request, name: str, what: str, *, maximum: int = MAX_ID) -> int:
    """The id in path parameter `name` (routes declare it `{name:int}`), within the
    database's range 1 … 2**63 − 1 (or `maximum`, for a 32-bit column); anything else names
    no `what`: 404, before any query."""
    raw = request.path_params[name]
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise NotFound(what, repr(raw)) from None
    if not 0 < value <= maximum:
        raise NotFound(what, value)
    return value


class ApiResponse(JSONResponse):
    """JSON that keeps Chinese text readable and serializes datetimes and models."""

    def render(self, content: Any) -> bytes:
        if isinstance(content, BaseModel):
            return content.model_dump_json().encode()
        return jsontext.dumps_bytes(content)


def respond(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> ApiResponse:
    return ApiResponse(content, status_code=status, headers=headers)


async def submit_once(
    request: Request, *, owner: str, key: str | None, data: BaseModel, work: Work
) -> Response:
    """Run a submission once per (owner, Idempotency-Key): a retry gets the original status
    and body again, marked `Idempotent-Replayed: true`. `key` comes from `request_key`,
    read before the body so that a bad key is refused first."""
    print_ = fingerprint(request.method, request.url.path, data.model_dump(mode="json"))
    status, body, replayed = await run_once(
        request.app.state.db, owner=owner, key=key, print_=print_, work=work
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return respond(body, status, headers)
