"""OpenAPI 3.1 document built from the routes and the pydantic models they declare.

A view declares its contract with `@api(...)`; the document is generated from those
declarations, so it cannot drift from the schemas the views actually validate with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute, Mount, Route

import command

REF = "#/components/schemas/{model}"


@dataclass
class ApiDoc:
    summary: str
    tags: list[str]
    request: type[BaseModel] | None = None
    # Request bodies other than the JSON model: media type -> schema.
    request_media: dict[str, dict[str, Any]] = field(default_factory=dict)
    response: type[BaseModel] | None = None
    status: int = 200
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = (400, 401, 403, 404, 422)
    media_type: str = "application/json"
    public: bool = False
    extra_responses: dict[int, str] = field(default_factory=dict)
    # The success answer carries the resource's ETag; `if_match`: the write honours
    # If-Match (command/preconditions.py) and answers 412 when the tag is not current.
    etag: bool = False
    if_match: bool = False


IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": 'the ETag last seen (or a list of them, or "*"); without it the write '
    "is not conditional. When none is current: 412 precondition_failed with `etag` and "
    "`current`, and nothing is written",
    "schema": {"type": "string"},
}
ETAG = {"description": "the entity tag of the version answered", "schema": {"type": "string"}}


def api(summary: str, *, tags: list[str] | None = None, **options: Any) -> Callable:
    """Attach the OpenAPI description of an endpoint to the endpoint function."""

    def decorate(func: Callable) -> Callable:
        func.__openapi__ = ApiDoc(summary=summary, tags=tags or [], **options)  # type: ignore[attr-defined]
        return func

    return decorate


class ErrorDetail(BaseModel):
    field: str
    message: str
    type: str


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorResponse(BaseModel):
    error: ErrorInfo


def _walk(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, Route]]:
    found = []
    for route in routes:
        if isinstance(route, Mount):
            found += _walk(list(route.routes), prefix + route.path)
        elif isinstance(route, Route) and hasattr(route.endpoint, "__openapi__"):
            found.append((prefix + route.path, route))
    return found


def _path_parameters(path: str) -> list[dict[str, Any]]:
    params = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            name, _, convertor = part[1:-1].partition(":")
            kind = "integer" if convertor == "int" else "string"
            params.append({"name": name, "in": "path", "required": True, "schema": {"type": kind}})
    return params


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _operation(doc: ApiDoc, path: str) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": doc.summary, "tags": doc.tags}
    params = _path_parameters(path) + (_query_parameters(doc.query) if doc.query else [])
    params += [IF_MATCH] if doc.if_match else []
    if params:
        op["parameters"] = params
    content = {media: {"schema": schema} for media, schema in doc.request_media.items()}
    if doc.request is not None:
        content = {"application/json": {"schema": _ref(doc.request)}, **content}
    if content:
        op["requestBody"] = {"required": True, "content": content}
    ok: dict[str, Any] = {"description": "success"}
    if doc.response is not None:
        ok["content"] = {
            doc.media_type: {"schema": {"$ref": REF.format(model=doc.response.__name__)}}
        }
    elif doc.media_type != "application/json":
        ok["content"] = {doc.media_type: {"schema": {"type": "string"}}}
    if doc.etag or doc.if_match:
        ok["headers"] = {"ETag": ETAG}
    responses: dict[str, Any] = {str(doc.status): ok}
    error_ref = {"application/json": {"schema": {"$ref": REF.format(model="ErrorResponse")}}}
    for status in (*doc.errors, 412) if doc.if_match else doc.errors:
        responses[str(status)] = {"description": "error", "content": error_ref}
    for status, description in doc.extra_responses.items():
        responses[str(status)] = {"description": description, "content": error_ref}
    op["responses"] = responses
    if not doc.public:
        op["security"] = [{"bearer": []}, {"session": []}]
    return op


def build_openapi(routes: list[BaseRoute]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    models: set[type[BaseModel]] = {ErrorResponse}
    for path, route in _walk(routes):
        doc: ApiDoc = route.endpoint.__openapi__  # type: ignore[attr-defined]
        clean = "/".join(p.split(":")[0] + ("}" if ":" in p else "") for p in path.split("/"))
        for method in sorted((route.methods or set()) - {"HEAD"}):
            paths.setdefault(clean, {})[method.lower()] = _operation(doc, path)
        models.update(m for m in (doc.request, doc.response) if m is not None)
    _, schemas = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)], ref_template=REF
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Watchfloor",
            "version": command.__version__,
            "description": "Emergency management command system API.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "watchfloor_session"},
            },
        },
    }
