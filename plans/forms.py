"""Reading a new plan version from JSON (text) or multipart/form-data (a document file)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from command.errors import Invalid, Malformed, TooLarge, Unsupported, validation_error
from command.http import read_model, refuse_nul
from plans.documents import Upload, check_upload
from plans.schemas import VersionIn

FILE_FIELD = "document"


def _version_form() -> dict:
    """The multipart form in the OpenAPI document: VersionIn's fields beside the file, in
    one object (an allOf of VersionIn, which forbids other fields, and an object adding
    `document` could never be satisfied)."""
    schema = VersionIn.model_json_schema(ref_template="#/components/schemas/{model}")
    properties = dict(schema.get("properties", {}))
    properties[FILE_FIELD] = {"type": "string", "format": "binary", "description": "PDF or DOCX"}
    return {
        "type": "object",
        "properties": properties,
        "required": [*schema.get("required", []), FILE_FIELD],
        "additionalProperties": False,
    }


VERSION_FORM = _version_form()
# Room for the form's other fields and part headers beside the document itself.
FORM_OVERHEAD = 256 * 1024


class _NotText(MultiPartException):
    def __init__(self, field: str) -> None:
        super().__init__(f"form field {field!r} is not valid UTF-8 text")
        self.field = field


class _StrictTextParser(MultiPartParser):
    """Starlette's parser reads a field that is not valid in the form's charset as
    Latin-1, which stores mojibake: here such a field is refused instead."""

    def on_part_end(self) -> None:
        part = self._current_part
        if part.file is None:
            try:
                bytes(part.data).decode(self._charset or "utf-8")
            except (UnicodeDecodeError, LookupError):
                raise _NotText(part.field_name) from None
        super().on_part_end()


def _too_large(limit: int) -> TooLarge:
    return TooLarge(f"document exceeds the limit of {limit} bytes")


async def _limited(request: Request, limit: int, document_limit: int) -> AsyncIterator[bytes]:
    """The body, refused with 413 as soon as it passes the limit (before it is all read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(document_limit)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(document_limit)
        yield chunk


async def _parse(request: Request, document_limit: int) -> tuple[dict[str, str], list]:
    stream = _limited(request, document_limit + FORM_OVERHEAD, document_limit)
    parser = _StrictTextParser(
        request.headers, stream, max_files=1, max_fields=10, max_part_size=document_limit
    )
    try:
        form = await parser.parse()
    except _NotText as exc:
        raise Invalid(exc.field, "not valid UTF-8 text", type="encoding") from None
    except MultiPartException as exc:
        raise Malformed(f"malformed multipart form: {exc.message}") from None
    fields: dict[str, str] = {}
    files = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            files.append((name, value))
        elif name in fields:
            raise Invalid(name, f"form field {name!r} was sent twice", bare=True)
        elif "\x00" in value or "\x00" in name:
            # PostgreSQL text cannot hold NUL; refused on every backend alike.
            raise Invalid(name, "text must not contain NUL characters", type="nul")
        else:
            refuse_nul(name, name + value)
            fields[name] = value
    return fields, files


async def _upload(files: list, limit: int) -> Upload | None:
    if not files:
        return None
    name, file = files[0]
    if "\x00" in (file.filename or ""):
        raise Invalid(FILE_FIELD, "the file name must not contain NUL characters", type="nul")
    if name != FILE_FIELD:
        message = f"send the document in the form field {FILE_FIELD!r}, not {name!r}"
        raise Invalid(name, message, bare=True)
    try:
        content = await file.read()
    finally:
        await file.close()
    return check_upload(file.filename or "", content, limit=limit)


async def read_version(request: Request, document_limit: int) -> tuple[VersionIn, Upload | None]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        raise Unsupported("send JSON (with text) or multipart/form-data (with a document)")
    if not content_type.startswith("multipart/form-data"):
        return await read_model(request, VersionIn), None
    fields, files = await _parse(request, document_limit)
    try:
        data = VersionIn.model_validate(fields)
    except ValidationError as exc:
        raise validation_error(exc) from None
    return data, await _upload(files, document_limit)
