"""A plan version's multipart form: text that is not UTF-8 or holds NUL is refused (never
stored as mojibake), on both databases, and the form's OpenAPI schema can be satisfied."""

from __future__ import annotations

import jsonschema
import pytest

from plans.forms import VERSION_FORM
from tests.conftest import bearer
from tests.plans_fixtures import counts, pdf_bytes, plan_body, version_body

FIELDS = {k: v for k, v in version_body().items() if k != "text"}
BOUNDARY = "wfboundary"


@pytest.fixture
async def plan_id(client, demo) -> int:
    response = await client.post(
        "/api/plans", json=plan_body(), headers=bearer(demo["coordinator"])
    )
    return response.json()["id"]


def _form(fields: dict[str, bytes]) -> bytes:
    """A multipart body written by hand, so that any bytes can go in a field."""
    parts = [
        b"--"
        + BOUNDARY.encode()
        + b"\r\n"
        + f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value
        + b"\r\n"
        for name, value in fields.items()
    ]
    document = (
        b"--" + BOUNDARY.encode() + b"\r\n"
        b'Content-Disposition: form-data; name="document"; filename="p.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + pdf_bytes() + b"\r\n"
    )
    return b"".join(parts) + document + b"--" + BOUNDARY.encode() + b"--\r\n"


async def _post_form(client, token, plan_id, body: bytes):
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", **bearer(token)}
    return await client.post(f"/api/plans/{plan_id}/versions", content=body, headers=headers)


BAD_TEXT = {
    "GBK bytes, not UTF-8": ("approved_by", "爱辉区人民政府".encode("gbk"), "encoding"),
    "a lone continuation byte": ("change_summary", b"\x80abc", "encoding"),
    "a NUL character": ("approved_by", b"\xe7\x88\xb1\x00", "nul"),
    "NUL alone": ("change_summary", b"\x00", "nul"),
}


@pytest.mark.parametrize("case", BAD_TEXT)
async def test_bad_text_in_a_form_field_is_refused(app, client, demo, plan_id, case):
    field, raw, kind = BAD_TEXT[case]
    before = await counts(app)
    fields = {name: value.encode() for name, value in FIELDS.items()} | {field: raw}
    response = await _post_form(client, demo["coordinator"], plan_id, _form(fields))
    assert response.status_code == 422, response.text
    detail = response.json()["error"]["details"][0]
    assert (detail["field"], detail["type"]) == (field, kind)
    assert await counts(app) == before


async def test_a_utf8_form_is_stored_as_sent(client, demo, plan_id):
    fields = {name: value.encode() for name, value in FIELDS.items()}
    response = await _post_form(client, demo["coordinator"], plan_id, _form(fields))
    assert response.status_code == 201, response.text
    assert response.json()["approved_by"] == FIELDS["approved_by"]


def test_the_openapi_form_schema_can_be_satisfied():
    """It was an allOf of VersionIn (no other fields allowed) and an object adding the
    document: no form could match both."""
    form = {**FIELDS, "document": "%PDF-1.4 …"}
    jsonschema.validate(form, VERSION_FORM)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**form, "surprise": "x"}, VERSION_FORM)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(FIELDS, VERSION_FORM)  # the document is the form's point


async def test_the_served_document_holds_the_satisfiable_form(client):
    document = (await client.get("/api/openapi.json")).json()
    operation = document["paths"]["/api/plans/{plan_id}/versions"]["post"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert "allOf" not in schema and schema["additionalProperties"] is False
    assert "document" in schema["properties"] and "approved_by" in schema["properties"]
