"""Plan documents: multipart upload, type by content, size limit, checksum, download."""

from __future__ import annotations

import hashlib

import pytest

from command.config import Settings
from tests.conftest import SECRET, bearer
from tests.plans_fixtures import (
    counts,
    docx_bytes,
    events,
    pdf_bytes,
    plan_body,
    version_body,
    zip_bytes,
)

LIMIT = 64 * 1024
FIELDS = {k: v for k, v in version_body().items() if k != "text"}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, secret=SECRET, engine_max_sleep=0.5, max_document_bytes=LIMIT
    )


@pytest.fixture
async def plan_id(client, demo) -> int:
    response = await client.post(
        "/api/plans", json=plan_body(), headers=bearer(demo["coordinator"])
    )
    return response.json()["id"]


async def _upload(client, token, plan_id, name, content, media="application/pdf", data=None):
    return await client.post(
        f"/api/plans/{plan_id}/versions",
        data=FIELDS if data is None else data,
        files={"document": (name, content, media)},
        headers=bearer(token),
    )


@pytest.mark.parametrize(
    ("name", "content", "media_type"),
    [
        ("爱辉区防汛抗旱应急预案.pdf", pdf_bytes(LIMIT), "application/pdf"),
        (
            "预案.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
async def test_a_document_is_stored_with_its_checksum(
    client, demo, app, plan_id, name, content, media_type
):
    token = demo["coordinator"]
    # The client claims a wrong media type: the content decides.
    response = await _upload(client, token, plan_id, name, content, media="text/plain")
    assert response.status_code == 201, response.text
    document = response.json()["document"]
    assert document["sha256"] == hashlib.sha256(content).hexdigest()
    assert (document["filename"], document["size"]) == (name, len(content))
    assert document["media_type"] == media_type
    download = await client.get(document["url"], headers=bearer(demo["display"]))
    assert download.status_code == 200 and download.content == content
    assert download.headers["content-type"].startswith(media_type)
    assert download.headers["etag"] == f'"{document["sha256"]}"'
    detail = (await client.get(f"/api/plans/{plan_id}", headers=bearer(token))).json()
    assert detail["status"] == "in_force" and detail["versions"][0]["text"] is None
    assert (await events(app, "plans"))[-1].payload["version"]["document"] == document


@pytest.mark.parametrize(
    ("name", "content", "status"),
    [
        ("big.pdf", pdf_bytes(LIMIT + 1), 413),
        ("huge.pdf", pdf_bytes(LIMIT * 6), 413),
        ("picture.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100, 415),
        ("notes.pdf", "总则：本预案适用于……".encode(), 415),
        ("archive.docx", zip_bytes(), 415),
        ("plan.exe", b"MZ\x90\x00" + b"0" * 100, 415),
        ("renamed.docx", pdf_bytes(), 415),
        ("renamed.pdf", docx_bytes(), 415),
        ("empty.pdf", b"", 422),
    ],
)
async def test_oversized_or_disallowed_documents_are_refused(
    client, demo, app, plan_id, name, content, status
):
    before = await counts(app)
    response = await _upload(client, demo["coordinator"], plan_id, name, content)
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
    assert await counts(app) == before
    detail = (await client.get(f"/api/plans/{plan_id}", headers=bearer(demo["display"]))).json()
    assert detail["status"] == "draft" and detail["versions"] == []


async def test_a_document_and_text_together_or_bad_fields_are_refused(client, demo, app, plan_id):
    token = demo["coordinator"]
    before = await counts(app)
    both = await _upload(client, token, plan_id, "p.pdf", pdf_bytes(), data=version_body())
    assert both.status_code == 422
    no_date = {k: v for k, v in FIELDS.items() if k != "effective_on"}
    missing = await _upload(client, token, plan_id, "p.pdf", pdf_bytes(), data=no_date)
    assert missing.status_code == 422 and "effective_on" in missing.text
    wrong_field = await client.post(
        f"/api/plans/{plan_id}/versions",
        data=FIELDS,
        files={"file": ("p.pdf", pdf_bytes(), "application/pdf")},
        headers=bearer(token),
    )
    assert wrong_field.status_code == 422 and "'document'" in wrong_field.text
    fields = {k: v for k, v in FIELDS.items() if k != "approved_by"}
    nothing = await client.post(
        f"/api/plans/{plan_id}/versions",
        data=fields,
        files={"approved_by": (None, "爱辉区人民政府")},
        headers=bearer(token),
    )
    assert nothing.status_code == 422 and "either as a document file or as text" in nothing.text
    urlencoded = await client.post(
        f"/api/plans/{plan_id}/versions", data=version_body(), headers=bearer(token)
    )
    assert urlencoded.status_code == 415
    assert await counts(app) == before


async def test_a_text_version_has_no_document_to_download(client, demo, plan_id):
    token = demo["coordinator"]
    await client.post(f"/api/plans/{plan_id}/versions", json=version_body(), headers=bearer(token))
    response = await client.get(f"/api/plans/{plan_id}/versions/1/document", headers=bearer(token))
    assert response.status_code == 404
    missing = await client.get(f"/api/plans/{plan_id}/versions/7/document", headers=bearer(token))
    assert missing.status_code == 404


async def test_an_outside_caller_cannot_upload_or_download(client, demo, app, plan_id):
    from tests.plans_fixtures import token_for

    token = demo["coordinator"]
    await _upload(client, token, plan_id, "p.pdf", pdf_bytes())
    county = await token_for(app, "coordinator", "231123")
    before = await counts(app)
    upload = await _upload(client, county, plan_id, "p.pdf", pdf_bytes())
    assert upload.status_code == 403 and await counts(app) == before
    download = await client.get(f"/api/plans/{plan_id}/versions/1/document", headers=bearer(county))
    assert download.status_code == 403
