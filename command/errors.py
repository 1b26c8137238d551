"""One error shape everywhere: {"error": {"code": ..., "message": ..., "details": [...]}}."""

from __future__ import annotations

from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from command.db import storage_failure
from command.logging import redact_target

log = structlog.get_logger("watchfloor.errors")

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    503: "unavailable",
}


class ClientError(Exception):
    """An error the caller caused or must know about (never a 500)."""

    code: str
    message: str
    details: list[dict[str, Any]] | None
    extra: dict[str, Any]


class ApiError(ClientError):
    """An HTTP-level error with its status: for views, request parsing and authentication.
    Services raise a DomainError instead."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "error")
        self.message = message
        self.details = details
        self.extra = extra or {}
        self.headers = headers or {}


class DomainError(ClientError):
    """What went wrong, in the domain's words; DOMAIN_STATUS says which HTTP status it is."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.explicit_code = code
        self.details = details
        self.extra = extra or {}

    @property
    def code(self) -> str:  # type: ignore[override]
        return self.explicit_code or STATUS_CODES.get(status_of(self), "error")


class NotFound(DomainError):
    """No `what` with this key (or, with `message`, no such thing in other words)."""

    def __init__(
        self, what: str, key: object, *, message: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message or f"{what} {key} not found", code=code)
        self.what = what
        self.key = key


def field_detail(field: str, message: str, type_: str = "rule") -> dict[str, Any]:
    return {"field": field, "message": message, "type": type_}


class Invalid(DomainError):
    """A value the rules refuse. The details name the field; the message reads
    "invalid request: <field>: <message>", or `message` alone when `bare` (or no field)."""

    def __init__(
        self,
        field: str | None,
        message: str,
        *,
        type: str = "rule",
        bare: bool = False,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        text = message if bare or field is None else f"invalid request: {field}: {message}"
        if details is None and field is not None:
            details = [field_detail(field, message, type)]
        super().__init__(text, code=code, details=details)
        self.field = field


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a finished thing)."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if details is None and field is not None:
            details = [field_detail(field, message, "state")]
        super().__init__(message, code=code, details=details, extra=extra)


class Forbidden(DomainError):
    """The caller is known but may not do this, or not to this unit."""


class Malformed(DomainError):
    """Input that cannot be read at all (broken XML, a broken form, a bad key header)."""


class TooLarge(DomainError):
    """Input over a size limit."""


class Unsupported(DomainError):
    """Content of a type that is not accepted."""


class PreconditionFailed(DomainError):
    """A condition the caller set (e.g. the version it last saw) does not hold."""


class Unavailable(DomainError):
    """A dependency the request needs is missing or down; retrying later may help."""


class RateLimited(DomainError):
    """Too many attempts; `retry_after` seconds until the next one is considered."""

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code, extra={"retry_after": retry_after})
        self.retry_after = retry_after


# The one place that turns domain errors into HTTP statuses (their default codes follow
# from STATUS_CODES).
DOMAIN_STATUS: dict[type[DomainError], int] = {
    Malformed: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
    TooLarge: 413,
    Unsupported: 415,
    Invalid: 422,
    RateLimited: 429,
    Unavailable: 503,
}


def status_of(exc: DomainError) -> int:
    for kind in type(exc).__mro__:
        if kind in DOMAIN_STATUS:
            return DOMAIN_STATUS[kind]  # type: ignore[index]
    return 400


def error_body(code: str, message: str, details: Any = None, **extra: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    error.update(extra)
    return {"error": error}


def validation_details(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> list[dict]:
    details = []
    for item in exc.errors(include_url=False, include_input=False):
        loc = prefix + tuple(item["loc"])
        field = ".".join(str(part) for part in loc) or "body"
        details.append({"field": field, "message": item["msg"], "type": item["type"]})
    return details


def validation_error(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> Invalid:
    details = validation_details(exc, prefix)
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
    return Invalid(None, f"invalid request: {summary}", details=details)


async def api_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    body = error_body(exc.code, exc.message, exc.details, **exc.extra)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
    return JSONResponse(body, status_code=exc.status, headers={**headers, **exc.headers})


async def domain_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    body = error_body(exc.code, exc.message, exc.details, **exc.extra)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return JSONResponse(body, status_code=status_of(exc), headers=headers)


async def http_exception_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = STATUS_CODES.get(exc.status_code, "error")
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
    )


# A write the database could not store (disk full, read-only, unreachable): the caller
# may retry the same request, with the same Idempotency-Key, once it is back.
DATABASE_UNAVAILABLE = "database_unavailable"
RETRY_AFTER_SECONDS = "5"


async def database_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """503 with a stable code when the database cannot take the request; any other
    database error is a bug, left to the 500 handler."""
    reason = storage_failure(exc)
    if reason is None:
        raise exc
    log.warning("database cannot take the request", error=reason)
    body = error_body(
        DATABASE_UNAVAILABLE,
        f"the database cannot take this request now ({reason}); nothing was saved, retry later",
    )
    return JSONResponse(body, status_code=503, headers={"Retry-After": RETRY_AFTER_SECONDS})


async def unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=redact_target(request.url.path), error=repr(exc))
    return JSONResponse(error_body("internal", "internal server error"), status_code=500)


EXCEPTION_HANDLERS = {
    ApiError: api_error_handler,
    DomainError: domain_error_handler,
    HTTPException: http_exception_handler,
    DBAPIError: database_error_handler,
    Exception: unexpected_error_handler,
}
