"""The plan registry through the API: plans, versions, filing, reviews, revisions, roles."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import bearer
from tests.plans_fixtures import (
    counts,
    events,
    issued_plan,
    plan_body,
    token_for,
    version_body,
)

CONTRACT_FIELDS = {
    "id",
    "title",
    "type",
    "unit",
    "status",
    "categories",
    "review_due",
    "next_drill_due",
}


async def test_a_plan_is_a_draft_until_its_first_version(client, demo, app):
    token = demo["coordinator"]
    created = await client.post("/api/plans", json=plan_body(), headers=bearer(token))
    assert created.status_code == 201, created.text
    plan = created.json()
    assert CONTRACT_FIELDS <= plan.keys()
    assert (plan["type"], plan["unit"], plan["status"]) == ("special", "231102", "draft")
    assert plan["categories"] == ["natural"]
    assert plan["review_due"] is None and plan["next_drill_due"] is None
    [event] = await events(app, "plans")
    assert event.kind == "plan.created" and event.payload["id"] == plan["id"]
    assert event.unit_path == "/000000/230000/231100/231102/"


async def test_issuing_a_version_puts_the_plan_in_force_with_due_dates(client, demo, app):
    detail = await issued_plan(client, demo["coordinator"])
    assert detail["status"] == "in_force" and detail["version"] == 1
    assert detail["in_force_since"] == "2026-02-10"
    # special plan: reviewed every 36 months, drilled every 36 months (rules data)
    assert detail["review_due"] == "2029-02-10"
    assert detail["next_drill_due"] == "2029-02-10"
    [version] = detail["versions"]
    assert version["text"] == "总则……" and version["document"] is None
    kinds = [e.kind for e in await events(app, "plans")]
    assert kinds == ["plan.created", "plan.version_added"]


async def test_filing_is_due_twenty_working_days_after_issue_across_the_spring_festival(
    client, demo
):
    township = plan_body(title="瑷珲镇应急预案", type="grassroots", unit="231102003")
    detail = await issued_plan(client, demo["coordinator"], township, version_body())
    filing = detail["versions"][0]["filing"]
    # issued 10 Feb 2026; holidays 15–23 Feb; make-up Saturdays 14 and 28 Feb
    assert filing["issued_on"] == "2026-02-10" and filing["due_on"] == "2026-03-16"
    assert filing["filed_with"] == "231102" and filing["provisional"] is False
    assert filing["status"] == "overdue"


async def test_a_village_files_with_its_township_and_a_department_with_its_government(client, demo):
    village = await issued_plan(
        client,
        demo["coordinator"],
        plan_body(title="东村应急预案", type="grassroots", unit="231102003001"),
        version_body(effective_on="2025-09-26"),
    )
    filing = village["versions"][0]["filing"]
    assert filing["filed_with"] == "231102003" and filing["due_on"] == "2025-10-30"
    department = await issued_plan(
        client,
        demo["coordinator"],
        plan_body(title="市水务局预案", type="department", unit="231100.BM05"),
    )
    assert department["versions"][0]["filing"]["filed_with"] == "231100"


async def test_recording_the_filing(client, demo, app):
    token = demo["coordinator"]
    plan = await issued_plan(client, token)
    response = await client.post(
        f"/api/plans/{plan['id']}/filing",
        json={"filed_on": "2026-03-02", "reference": "爱应急备〔2026〕3号"},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "filed" and body["filed_on"] == "2026-03-02"
    assert body["due_on"] == "2026-03-16" and body["version"] == 1
    before = await counts(app)
    again = await client.post(f"/api/plans/{plan['id']}/filing", json={}, headers=bearer(token))
    assert (
        again.status_code == 409 and "was filed on 2026-03-02" in again.json()["error"]["message"]
    )
    assert await counts(app) == before
    assert (await events(app, "plans"))[-1].kind == "plan.filed"


@pytest.mark.parametrize(
    ("body", "status"),
    [({"filed_on": "2026-02-01"}, 422), ({"filed_on": "2999-01-01"}, 422), ({"x": 1}, 422)],
)
async def test_a_filing_before_issue_or_in_the_future_is_refused(client, demo, app, body, status):
    plan = await issued_plan(client, demo["coordinator"])
    before = await counts(app)
    response = await client.post(
        f"/api/plans/{plan['id']}/filing", json=body, headers=bearer(demo["coordinator"])
    )
    assert response.status_code == status, response.text
    assert await counts(app) == before


async def test_a_draft_cannot_be_filed_or_reviewed(client, demo, app):
    token = demo["coordinator"]
    plan = (await client.post("/api/plans", json=plan_body(), headers=bearer(token))).json()
    before = await counts(app)
    filing = await client.post(f"/api/plans/{plan['id']}/filing", json={}, headers=bearer(token))
    review = await client.post(
        f"/api/plans/{plan['id']}/reviews", json={"outcome": "keep"}, headers=bearer(token)
    )
    assert (filing.status_code, review.status_code) == (409, 409)
    assert await counts(app) == before


async def test_a_review_moves_the_review_due_date_and_revise_opens_a_task(client, demo):
    token = demo["coordinator"]
    plan = await issued_plan(client, token)
    keep = await client.post(
        f"/api/plans/{plan['id']}/reviews",
        json={"reviewed_on": "2026-06-30", "outcome": "keep"},
        headers=bearer(token),
    )
    assert keep.status_code == 201, keep.text
    detail = (await client.get(f"/api/plans/{plan['id']}", headers=bearer(token))).json()
    assert detail["review_due"] == "2029-06-30" and detail["status"] == "in_force"
    revise = await client.post(
        f"/api/plans/{plan['id']}/reviews",
        json={"reviewed_on": "2026-07-15", "outcome": "revise", "notes": "指挥体系调整"},
        headers=bearer(token),
    )
    assert revise.status_code == 201
    detail = (await client.get(f"/api/plans/{plan['id']}", headers=bearer(token))).json()
    assert detail["status"] == "under_revision" and detail["review_due"] == "2029-07-15"
    [task] = detail["revisions"]
    assert (task["trigger"], task["reason"], task["status"]) == ("review", "指挥体系调整", "open")
    assert len(detail["reviews"]) == 2


async def test_revision_triggers_are_recorded_and_the_next_version_answers_them(client, demo):
    token = demo["coordinator"]
    plan = await issued_plan(client, token)
    url = f"/api/plans/{plan['id']}"
    for trigger, reason in (
        ("law_changed", "《突发事件应对法》2024修订"),
        ("command_changed", "指挥部成员单位调整"),
    ):
        response = await client.post(
            url + "/revisions", json={"trigger": trigger, "reason": reason}, headers=bearer(token)
        )
        assert response.status_code == 201 and response.json()["status"] == "open"
    assert (await client.get(url, headers=bearer(token))).json()["status"] == "under_revision"
    second = version_body(effective_on="2026-09-01", change_summary="依法修订", text="修订稿")
    added = await client.post(url + "/versions", json=second, headers=bearer(token))
    assert added.status_code == 201 and added.json()["number"] == 2
    detail = (await client.get(url, headers=bearer(token))).json()
    assert detail["status"] == "in_force" and detail["version"] == 2
    assert {t["status"] for t in detail["revisions"]} == {"done"}
    assert {t["closed_by_version"] for t in detail["revisions"]} == {2}
    # the review clock restarts with the new version; the drill clock does not
    assert detail["review_due"] == "2029-09-01" and detail["next_drill_due"] == "2029-02-10"


async def test_a_version_older_than_the_current_one_is_refused(client, demo, app):
    token = demo["coordinator"]
    plan = await issued_plan(client, token)
    before = await counts(app)
    for body in (
        version_body(effective_on="2026-01-01"),
        version_body(effective_on="2026-03-01", issued_on="2026-03-05"),
        version_body(effective_on="2999-01-01", issued_on="2999-01-01"),
        {**version_body(), "text": None},
        version_body(approved_by=""),
    ):
        response = await client.post(
            f"/api/plans/{plan['id']}/versions", json=body, headers=bearer(token)
        )
        assert response.status_code == 422, (body, response.text)
    assert await counts(app) == before


async def test_unknown_plan_type_is_refused_and_nothing_is_written(client, demo, app):
    before = await counts(app)
    response = await client.post(
        "/api/plans", json=plan_body(type="contingency"), headers=bearer(demo["coordinator"])
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "type"
    assert await counts(app) == before


@pytest.mark.parametrize(
    "body",
    [
        plan_body(title=""),
        plan_body(categories=["weather"]),
        plan_body(levels=["V"]),
        plan_body(extra=1),
        {"title": "x"},
    ],
)
async def test_invalid_plan_fields_are_422(client, demo, app, body):
    before = await counts(app)
    response = await client.post("/api/plans", json=body, headers=bearer(demo["coordinator"]))
    assert response.status_code == 422
    assert await counts(app) == before


async def test_unknown_owner_unit_is_404(client, demo, app):
    before = await counts(app)
    response = await client.post(
        "/api/plans", json=plan_body(unit="999999"), headers=bearer(demo["coordinator"])
    )
    assert response.status_code == 404 and await counts(app) == before


async def test_a_coordinator_manages_plans_only_in_their_subtree(client, demo, app):
    county = await token_for(app, "coordinator", "231123")
    before = await counts(app)
    outside = await client.post("/api/plans", json=plan_body(), headers=bearer(county))
    assert outside.status_code == 403, outside.text
    assert await counts(app) == before
    city_plan = await issued_plan(client, demo["coordinator"])
    before = await counts(app)
    for method, path, body in (
        ("POST", "/versions", version_body(effective_on="2026-05-01")),
        ("POST", "/filing", {}),
        ("POST", "/reviews", {"outcome": "keep"}),
        ("POST", "/revisions", {"trigger": "other", "reason": "x"}),
        ("PATCH", "", {"title": "改名"}),
        ("GET", "", None),
    ):
        response = await client.request(
            method, f"/api/plans/{city_plan['id']}{path}", json=body, headers=bearer(county)
        )
        assert response.status_code == 403, (method, path, response.text)
    assert await counts(app) == before
    inside = await client.post(
        "/api/plans",
        json=plan_body(unit="231123001", type="grassroots", title="奇克镇应急预案"),
        headers=bearer(county),
    )
    assert inside.status_code == 201


@pytest.mark.parametrize("role", ["commander", "display", "reporter"])
async def test_only_coordinators_and_admins_manage_plans(client, demo, app, role):
    before = await counts(app)
    response = await client.post("/api/plans", json=plan_body(), headers=bearer(demo[role]))
    assert response.status_code == 403
    assert await counts(app) == before
    listed = await client.get("/api/plans", headers=bearer(demo[role]))
    assert listed.status_code == 200


async def test_listing_and_filtering_plans(client, demo, app):
    token = demo["coordinator"]
    await issued_plan(client, token)
    await client.post(
        "/api/plans", json=plan_body(type="overall", title="爱辉区总体预案"), headers=bearer(token)
    )
    everything = (await client.get("/api/plans", headers=bearer(token))).json()
    assert everything["total"] == 2
    drafts = await client.get("/api/plans?status=draft", headers=bearer(token))
    assert [p["title"] for p in drafts.json()["items"]] == ["爱辉区总体预案"]
    special = await client.get("/api/plans?type=special&within=231102", headers=bearer(token))
    assert special.json()["total"] == 1
    county = await token_for(app, "display", "231123")
    assert (await client.get("/api/plans", headers=bearer(county))).json()["total"] == 0
    bad = await client.get("/api/plans?type=nonsense", headers=bearer(token))
    assert bad.status_code == 422
    hidden = await client.get("/api/plans?within=231102", headers=bearer(county))
    assert hidden.status_code == 403


async def test_retiring_a_plan_ends_its_duties(client, demo, app):
    token = demo["coordinator"]
    plan = await issued_plan(client, token)
    response = await client.patch(
        f"/api/plans/{plan['id']}", json={"status": "retired"}, headers=bearer(token)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "retired" and body["review_due"] is None
    assert body["next_drill_due"] is None
    before = await counts(app)
    again = await client.patch(
        f"/api/plans/{plan['id']}", json={"title": "x"}, headers=bearer(token)
    )
    assert again.status_code == 409 and await counts(app) == before


async def test_plans_due_lists_overdue_reviews_drills_and_filings(client, demo):
    token = demo["coordinator"]
    old = version_body(effective_on="2022-05-01")
    overdue = await issued_plan(client, token, plan_body(title="旧预案"), old)
    recent = await issued_plan(
        client, token, plan_body(title="新预案"), version_body(effective_on=str(date.today()))
    )
    due = (await client.get("/api/plans/due", headers=bearer(token))).json()
    assert [item["plan"]["id"] for item in due["reviews"]] == [overdue["id"]]
    assert due["reviews"][0] == {**due["reviews"][0], "due_on": "2025-05-01", "overdue": True}
    assert [item["plan"]["id"] for item in due["drills"]] == [overdue["id"]]
    filings = [(f["plan"], f["status"]) for f in due["filings"]]
    assert filings == [(overdue["id"], "overdue"), (recent["id"], "pending")]
    later = (await client.get("/api/plans/due?days=2000", headers=bearer(token))).json()
    assert len(later["reviews"]) == 2


async def test_unknown_plan_is_404(client, demo):
    response = await client.get("/api/plans/999999", headers=bearer(demo["display"]))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


async def test_stored_due_dates_are_recomputed_after_the_rules_change(client, demo, app):
    from plans.models import Plan
    from plans.service import recompute_due_dates

    plan = await issued_plan(client, demo["coordinator"])
    async with app.state.db.write() as session:
        stored = await session.get(Plan, plan["id"])
        stored.next_drill_due = date(2027, 2, 10)  # as an older cadence of 12 months had it
    async with app.state.db.write() as session:
        assert await recompute_due_dates(session, actor="test") == 1
    async with app.state.db.write() as session:
        assert await recompute_due_dates(session, actor="test") == 0
    detail = (await client.get(f"/api/plans/{plan['id']}", headers=bearer(demo["display"]))).json()
    assert detail["next_drill_due"] == "2029-02-10"
    last = (await events(app, "plans"))[-1]
    assert last.kind == "plan.due_changed" and last.payload["next_drill_due"] == "2029-02-10"
