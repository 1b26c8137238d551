"""Two members of the evaluation group never overwrite each other unseen: an evaluation
answers with its ETag, and PATCH, submit and accept honour If-Match (412 with the
current evaluation, nothing written); on both databases."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from command.auth.service import Principal, subject_names
from command.db import utcnow
from command.errors import PreconditionFailed
from command.reviews import engine, evaluations
from command.reviews.models import Evaluation
from command.reviews.schemas import EvaluationPatch
from command.units.models import Unit
from tests.conftest import bearer
from tests.incidents_fixtures import token_for
from tests.reviews_fixtures import closed_incident, counts, evaluation_of, full_draft


async def _draft(client, demo) -> str:
    incident = await closed_incident(client, demo, level="IV")
    evaluation = await evaluation_of(client, demo["commander"], incident["id"])
    return f"/api/reviews/{evaluation['id']}"


async def _tag(client, token: str, url: str) -> str:
    response = await client.get(url, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.headers["etag"]


async def _version(app, url: str) -> int:
    evaluation_id = int(url.rsplit("/", 1)[1])
    async with app.state.db.read() as session:
        return await session.scalar(
            select(Evaluation.version).where(Evaluation.id == evaluation_id)
        )


async def test_an_evaluation_answers_with_its_etag_and_each_write_moves_it(client, demo):
    url = await _draft(client, demo)
    commander = bearer(demo["commander"])
    seen = await client.get(url, headers=commander)
    tag = seen.headers["etag"]
    assert tag == f'"{seen.json()["id"]}.{seen.json()["version"]}"'
    written = await client.patch(url, json=full_draft(), headers={**commander, "If-Match": tag})
    assert written.status_code == 200, written.text
    new_tag = written.headers["etag"]
    assert new_tag != tag and new_tag == f'"{written.json()["id"]}.{written.json()["version"]}"'
    assert await _tag(client, demo["commander"], url) == new_tag
    submitted = await client.post(f"{url}/submit", headers={**commander, "If-Match": new_tag})
    assert submitted.status_code == 200, submitted.text
    accepted = await client.post(
        f"{url}/accept",
        headers={**bearer(demo["admin"]), "If-Match": submitted.headers["etag"]},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"
    assert accepted.headers["etag"] not in (tag, new_tag, submitted.headers["etag"])


async def test_a_stale_tag_is_refused_with_the_current_evaluation_and_nothing_written(
    app, client, demo
):
    url = await _draft(client, demo)
    commander = bearer(demo["commander"])
    seen = await _tag(client, demo["commander"], url)
    first = await client.patch(
        url, json={"sections": {"course": "甲写的经过"}}, headers={**commander, "If-Match": seen}
    )
    assert first.status_code == 200, first.text
    before, version = await counts(app), await _version(app, url)

    stale = await client.patch(
        url, json={"sections": {"course": "乙写的经过"}}, headers={**commander, "If-Match": seen}
    )
    assert stale.status_code == 412, stale.text
    error = stale.json()["error"]
    assert error["code"] == "precondition_failed"
    now = first.headers["etag"]
    assert (
        error["message"]
        == f"evaluation {first.json()['id']} has changed since you saw it (now {now})"
    )
    assert error["etag"] == first.headers["etag"] != seen
    assert error["current"]["sections"]["course"] == "甲写的经过"
    assert error["current"]["version"] == version and "facts" in error["current"]
    assert await counts(app) == before and await _version(app, url) == version
    current = (await client.get(url, headers=commander)).json()
    assert current["sections"]["course"] == "甲写的经过"


async def test_star_a_list_with_the_current_tag_and_no_header_are_allowed(client, demo):
    url = await _draft(client, demo)
    commander = bearer(demo["commander"])
    starred = await client.patch(
        url, json={"sections": {"course": "一"}}, headers={**commander, "If-Match": "*"}
    )
    assert starred.status_code == 200, starred.text
    listed = await client.patch(
        url,
        json={"sections": {"course": "二"}},
        headers={**commander, "If-Match": f'"999.1", {starred.headers["etag"]}'},
    )
    assert listed.status_code == 200, listed.text
    bare = await client.patch(url, json={"sections": {"course": "三"}}, headers=commander)
    assert bare.status_code == 200, bare.text
    assert bare.json()["version"] == starred.json()["version"] + 2
    weak = await client.patch(
        url,
        json={"sections": {"course": "四"}},
        headers={**commander, "If-Match": f"W/{bare.headers['etag']}"},
    )
    assert weak.status_code == 412, "If-Match compares strongly: a weak tag never matches"


async def test_submit_and_accept_with_a_stale_tag_write_nothing(app, client, demo):
    url = await _draft(client, demo)
    commander = bearer(demo["commander"])
    seen = await _tag(client, demo["commander"], url)
    assert (await client.patch(url, json=full_draft(), headers=commander)).status_code == 200
    before = await counts(app)
    refused = await client.post(f"{url}/submit", headers={**commander, "If-Match": seen})
    assert refused.status_code == 412, refused.text
    assert refused.json()["error"]["current"]["state"] == "draft"
    assert await counts(app) == before
    submitted = await client.post(f"{url}/submit", headers=commander)
    assert submitted.status_code == 200, submitted.text
    before, version = await counts(app), await _version(app, url)
    admin = bearer(demo["admin"])
    refused = await client.post(f"{url}/accept", headers={**admin, "If-Match": seen})
    assert refused.status_code == 412, refused.text
    assert await counts(app) == before and await _version(app, url) == version
    assert before["corrective_actions"] == 0


async def test_two_members_saving_the_same_version_at_once_end_with_one_412(app, client, demo):
    url = await _draft(client, demo)
    first = bearer(demo["commander"])
    second = bearer(await token_for(app, "231100", "commander"))
    seen = await _tag(client, demo["commander"], url)
    version = await _version(app, url)
    answers = await asyncio.gather(
        client.patch(
            url, json={"sections": {"lessons": "甲"}}, headers={**first, "If-Match": seen}
        ),
        client.patch(
            url, json={"sections": {"lessons": "乙"}}, headers={**second, "If-Match": seen}
        ),
    )
    assert sorted(a.status_code for a in answers) == [200, 412], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 200).json()
    loser = next(a for a in answers if a.status_code == 412).json()["error"]
    assert loser["current"]["sections"]["lessons"] == winner["sections"]["lessons"]
    assert await _version(app, url) == version + 1
    final = (await client.get(url, headers=first)).json()
    assert final["sections"]["lessons"] == winner["sections"]["lessons"]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_the_second_writer_waits_for_the_first_and_then_finds_its_tag_stale(
    app, client, demo
):
    """On PostgreSQL the check reads the row locked (SELECT … FOR UPDATE): a second write
    with the same tag waits for the first to commit, then sees the new version. (SQLite
    runs one write at a time, so there is nothing to race.)"""
    url = await _draft(client, demo)
    seen = await _tag(client, demo["commander"], url)
    async with app.state.db.read() as session:
        city = await session.scalar(select(Unit).where(Unit.code == "231100"))
    principal = Principal.of(city, role="commander", subject="test:member")
    locked, release = asyncio.Event(), asyncio.Event()

    async def write(text: str, hold: bool) -> None:
        async with app.state.db.write() as session:
            await evaluations.update_draft(
                session,
                evaluation_id=int(url.rsplit("/", 1)[1]),
                patch=EvaluationPatch.model_validate({"sections": {"lessons": text}}),
                principal=principal,
                now=utcnow(),
                if_match=seen,
            )
            if hold:
                locked.set()
                await release.wait()

    first = asyncio.create_task(write("甲", hold=True))
    await asyncio.wait_for(locked.wait(), 10)
    second = asyncio.create_task(write("乙", hold=False))
    await asyncio.sleep(0.5)
    assert not second.done(), "the second write must wait for the row the first one holds"
    release.set()
    await first
    with pytest.raises(PreconditionFailed):
        await second
    current = (await client.get(url, headers=bearer(demo["commander"]))).json()
    assert current["sections"]["lessons"] == "甲"


async def test_openapi_documents_if_match_and_412_on_the_evaluation_writes(client):
    paths = (await client.get("/api/openapi.json")).json()["paths"]
    writes = [
        paths["/api/reviews/{id}"]["patch"],
        paths["/api/reviews/{id}/submit"]["post"],
        paths["/api/reviews/{id}/accept"]["post"],
        paths["/api/incidents/{id}"]["patch"],
    ]
    for operation in writes:
        headers = [p for p in operation["parameters"] if p["in"] == "header"]
        assert [p["name"] for p in headers] == ["If-Match"] and not headers[0]["required"]
        assert "412" in operation["responses"]
        assert "ETag" in operation["responses"]["200"]["headers"]
    assert "ETag" in paths["/api/reviews/{id}"]["get"]["responses"]["200"]["headers"]


async def test_the_engine_s_overdue_mark_moves_the_etag_but_not_who_wrote_it(app, client, demo):
    """The mark changes the evaluation as GET shows it (overdue_at, on_time), so its tag
    moves: a write naming the tag seen before the mark is told (412), not let through on a
    tag that no longer describes what is there. Who saved it last stays the writer."""
    url = await _draft(client, demo)
    commander = bearer(demo["commander"])
    written = await client.patch(url, json={"sections": {"course": "经过"}}, headers=commander)
    assert written.status_code == 200, written.text
    seen, before = written.headers["etag"], written.json()
    later = datetime.fromisoformat(before["due_at"]) + timedelta(seconds=1)
    assert await engine.mark_due(app.state.db, now=later) == 1

    marked = await client.get(url, headers=commander)
    assert marked.json()["overdue_at"] is not None and marked.json()["on_time"] is False
    assert marked.headers["etag"] != seen
    assert marked.json()["version"] == before["version"] + 1
    assert marked.json()["updated_by"] == before["updated_by"]
    assert marked.json()["updated_at"] == before["updated_at"]
    stale = await client.patch(
        url, json={"sections": {"course": "迟写"}}, headers={**commander, "If-Match": seen}
    )
    assert stale.status_code == 412, stale.text
    assert stale.json()["error"]["etag"] == marked.headers["etag"]
    again = await client.patch(
        url,
        json={"sections": {"course": "迟写"}},
        headers={**commander, "If-Match": marked.headers["etag"]},
    )
    assert again.status_code == 200, again.text
    # Marked once: a later pass neither marks it again nor moves its tag.
    assert await engine.mark_due(app.state.db, now=later + timedelta(hours=1)) == 0
    assert await _tag(client, demo["commander"], url) == again.headers["etag"]


async def test_an_evaluation_names_its_writers_as_the_pages_know_them(app, client, demo):
    """The desk's notice of someone else's save says who by name, not by subject."""
    url = await _draft(client, demo)
    written = await client.patch(url, json=full_draft(), headers=bearer(demo["commander"]))
    assert written.status_code == 200, written.text
    body = written.json()
    assert body["updated_by"].startswith("token:") and body["updated_by_name"] == "demo commander"
    submitted = await client.post(f"{url}/submit", headers=bearer(demo["commander"]))
    assert submitted.json()["submitted_by_name"] == "demo commander"
    assert submitted.json()["accepted_by_name"] == ""
    async with app.state.db.read() as session:
        names = await subject_names(
            session, {"user:demo-commander", "user:nobody", "system:reviews", "token:x"}
        )
    assert names == {"user:demo-commander": "演示值班员"}
