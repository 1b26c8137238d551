"""Post-incident evaluation (事后评估): opened when a real incident closes, with the lead
and due time of the rules; pre-filled from the facts; submitted and accepted; on both
databases."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from command.reviews.rules import review_rules
from tests.conftest import bearer
from tests.deadlines_fixtures import deadline_app
from tests.incidents_fixtures import create, iso, report
from tests.reviews_fixtures import (
    CITY,
    COUNTY,
    STREET,
    closed_incident,
    counts,
    evaluation_of,
    full_draft,
    parse,
)


async def test_closing_a_real_incident_opens_one_evaluation_led_by_the_county(app, client, demo):
    incident = await closed_incident(client, demo, level="IV")
    evaluation = await evaluation_of(client, demo["commander"], incident["id"])
    assert evaluation["lead_unit"] == COUNTY and evaluation["led_locally"] is True
    assert evaluation["state"] == "draft" and evaluation["rule"] == "ordinary"
    closed_at = parse(incident["closed_at"])
    assert parse(evaluation["due_at"]) == closed_at + timedelta(days=15)
    assert evaluation["incident"] == incident["id"] and evaluation["overdue"] is False
    assert (await counts(app))["evaluations"] == 1


async def test_the_level_picks_the_lead_and_the_province_is_recorded_as_not_the_city_s(
    client, demo
):
    larger = await closed_incident(client, demo, level="III")
    serious = await closed_incident(client, demo, level="II", title="重大火灾")
    city_led = await evaluation_of(client, demo["commander"], larger["id"])
    province_led = await evaluation_of(client, demo["commander"], serious["id"])
    assert city_led["lead_unit"] == CITY and city_led["state"] == "draft"
    assert province_led["lead_tier"] == "province" and province_led["led_locally"] is False
    assert province_led["state"] == "external" and province_led["lead_unit"] == "230000"
    rule = review_rules().rule_for("II", "accident")
    assert parse(province_led["due_at"]) == parse(serious["closed_at"]) + rule.due
    refused = await client.patch(
        f"/api/reviews/{province_led['id']}",
        json={"sections": {"course": "x"}},
        headers=bearer(demo["admin"]),
    )
    assert refused.status_code == 409, refused.text


async def test_an_exercise_never_opens_an_evaluation(app, client, demo):
    incident = await closed_incident(client, demo, exercise=True, title="演练：居民楼火灾")
    listing = await client.get(
        f"/api/reviews?incident={incident['id']}", headers=bearer(demo["commander"])
    )
    assert listing.json()["items"] == []
    assert (await counts(app))["evaluations"] == 0


async def test_an_open_incident_has_no_evaluation_and_a_second_close_opens_none(app, client, demo):
    incident = await create(client, demo["reporter"])
    listing = await client.get(
        f"/api/reviews?incident={incident['id']}", headers=bearer(demo["commander"])
    )
    assert listing.json()["items"] == []
    await client.patch(
        f"/api/incidents/{incident['id']}",
        json={"status": "closed"},
        headers=bearer(demo["commander"]),
    )
    again = await client.patch(
        f"/api/incidents/{incident['id']}",
        json={"status": "closed"},
        headers=bearer(demo["commander"]),
    )
    assert again.status_code == 200
    assert (await counts(app))["evaluations"] == 1


async def test_the_reporting_section_is_prefilled_from_the_obligations(client, demo):
    incident = await create(client, demo["reporter"])
    await report(client, demo["reporter"], incident["id"], kind="followup", summary="续报一")
    ack = await client.post(
        f"/api/incidents/{incident['id']}/ack", headers=bearer(demo["commander"])
    )
    assert ack.status_code in (200, 201), ack.text
    await client.patch(
        f"/api/incidents/{incident['id']}",
        json={"status": "closed"},
        headers=bearer(demo["commander"]),
    )
    summary = await evaluation_of(client, demo["commander"], incident["id"])
    detail = (
        await client.get(f"/api/reviews/{summary['id']}", headers=bearer(demo["commander"]))
    ).json()
    obligations = (
        await client.get(
            f"/api/incidents/{incident['id']}/obligations", headers=bearer(demo["commander"])
        )
    ).json()["items"]
    facts = detail["facts"]
    assert [ob["id"] for ob in facts["reporting"]["obligations"]] == [
        ob["id"] for ob in obligations
    ]
    assert [ob["state"] for ob in facts["reporting"]["obligations"]] == [
        ob["state"] for ob in obligations
    ]
    states = [ob["state"] for ob in obligations]
    counted = facts["reporting"]["counts"]
    assert counted["met"] == states.count("met") and counted["late"] == states.count("late")
    assert counted["pending"] == states.count("pending") and sum(counted.values()) == len(states)
    assert len(facts["reports"]) == 2 and facts["acknowledged"]["seconds"] >= 0
    text = detail["sections"]["information"]
    assert f"共形成报送时限 {len(states)} 项" in text and f"按时 {counted['met']} 项" in text
    assert "收到报告 2 份" in text


async def test_the_reporting_section_names_the_late_and_missed_links_and_the_verdicts(client, demo):
    """Learned of 29 hours ago: the street's initial reports come in late, its first
    follow-up is missed (the app's own deadline engine marks it); a 谎报 is recorded."""
    incident = await create(
        client,
        demo["reporter"],
        occurred_at=iso(-timedelta(hours=30)),
        learned_at=iso(-timedelta(hours=29)),
    )
    verdict = await client.post(
        f"/api/incidents/{incident['id']}/verdicts",
        json={"kind": "false_report", "unit": STREET, "reason": "现场核实与报告不符"},
        headers=bearer(demo["commander"]),
    )
    assert verdict.status_code == 201, verdict.text
    url = f"/api/incidents/{incident['id']}/obligations"
    for _ in range(40):
        obligations = (await client.get(url, headers=bearer(demo["commander"]))).json()["items"]
        if any(ob["state"] == "missed" for ob in obligations):
            break
        await asyncio.sleep(0.25)
    closed = await client.patch(
        f"/api/incidents/{incident['id']}",
        json={"status": "closed"},
        headers=bearer(demo["commander"]),
    )
    assert closed.status_code == 200, closed.text
    summary = await evaluation_of(client, demo["commander"], incident["id"])
    detail = (
        await client.get(f"/api/reviews/{summary['id']}", headers=bearer(demo["commander"]))
    ).json()
    obligations = (await client.get(url, headers=bearer(demo["commander"]))).json()["items"]
    late = [ob for ob in obligations if ob["state"] == "late"]
    missed = [ob for ob in obligations if ob["state"] == "missed"]
    assert late and missed, [ob["state"] for ob in obligations]
    reporting = detail["facts"]["reporting"]
    assert [ob["id"] for ob in reporting["late"]] == [ob["id"] for ob in late]
    assert [ob["id"] for ob in reporting["missed"]] == [ob["id"] for ob in missed]
    assert reporting["counts"]["missed"] == len(missed)
    assert detail["names"]["units"][STREET]["name"] == "花园街道"

    text = detail["sections"]["information"]
    assert f"迟报 {len(late)} 项" in text and f"漏报 {len(missed)} 项" in text
    # Which links: by report, channel and the units' names, with how late each was.
    assert "迟报：初报（电话）花园街道→爱辉区（迟1天" in text, text
    assert "漏报：续报一（书面）花园街道→爱辉区（时限 " in text, text
    assert "认定或待认定：谎报 1 起。" in text
    assert "231102" not in text and "followup" not in text


async def test_a_link_overdue_but_not_yet_marked_missed_is_told_as_such(settings, demo):
    """With no engine running, the street's follow-up is still pending past its due time
    when the incident closes: 超时未报, named, not counted as 未到期."""
    async with deadline_app(settings) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            incident = await closed_incident(
                client,
                demo,
                occurred_at=iso(-timedelta(hours=30)),
                learned_at=iso(-timedelta(hours=29)),
            )
            summary = await evaluation_of(client, demo["commander"], incident["id"])
            detail = (
                await client.get(f"/api/reviews/{summary['id']}", headers=bearer(demo["commander"]))
            ).json()
    reporting = detail["facts"]["reporting"]
    overdue = [ob for ob in reporting["obligations"] if ob["state"] == "pending" and ob["overdue"]]
    assert overdue and [ob["id"] for ob in reporting["overdue"]] == [ob["id"] for ob in overdue]
    assert reporting["counts"]["overdue"] == len(overdue) and reporting["counts"]["missed"] == 0
    pending = sum(1 for ob in reporting["obligations"] if ob["state"] == "pending")
    assert reporting["counts"]["pending"] == pending - len(overdue)
    text = detail["sections"]["information"]
    assert f"超时未报 {len(overdue)} 项" in text
    assert "超时未报：续报一（书面）花园街道→爱辉区" in text


async def test_submitting_needs_every_required_section_and_changes_nothing_until_then(
    app, client, demo
):
    incident = await closed_incident(client, demo, level="IV")
    evaluation = await evaluation_of(client, demo["commander"], incident["id"])
    before = await counts(app)
    refused = await client.post(
        f"/api/reviews/{evaluation['id']}/submit", headers=bearer(demo["commander"])
    )
    assert refused.status_code == 422, refused.text
    fields = {d["field"] for d in refused.json()["error"]["details"]}
    assert {"group.lead", "sections.command", "sections.conclusion"} <= fields
    assert "sections.information" not in fields  # pre-filled
    assert await counts(app) == before
    assert (await evaluation_of(client, demo["commander"], incident["id"]))["state"] == "draft"


async def test_a_draft_is_written_submitted_and_accepted_by_the_right_roles(app, client, demo):
    incident = await closed_incident(client, demo, level="IV")
    evaluation = await evaluation_of(client, demo["commander"], incident["id"])
    url = f"/api/reviews/{evaluation['id']}"
    reporter = await client.patch(url, json=full_draft(), headers=bearer(demo["reporter"]))
    assert reporter.status_code == 403
    written = await client.patch(url, json=full_draft(), headers=bearer(demo["commander"]))
    assert written.status_code == 200, written.text
    assert written.json()["group"]["lead"] == "李强（区应急局）"
    submitted = await client.post(f"{url}/submit", headers=bearer(demo["commander"]))
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "submitted" and submitted.json()["on_time"] is True
    again = await client.patch(url, json=full_draft(), headers=bearer(demo["commander"]))
    assert again.status_code == 409
    by_commander = await client.post(f"{url}/accept", headers=bearer(demo["commander"]))
    assert by_commander.status_code == 403
    accepted = await client.post(f"{url}/accept", headers=bearer(demo["admin"]))
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["state"] == "accepted" and body["accepted_by"]
    assert [a["unit"] for a in body["actions"]] == [STREET]
    assert body["actions"][0]["state"] == "open"
    kinds = [e["kind"] for e in (await _events(app))]
    assert kinds[:1] == ["evaluation.opened"]
    assert {"evaluation.updated", "evaluation.submitted", "evaluation.accepted"} <= set(kinds)
    assert "action.opened" in kinds


async def _events(app):
    from sqlalchemy import select

    from command.events import Event

    async with app.state.db.read() as session:
        rows = await session.scalars(
            select(Event).where(Event.topic == "reviews").order_by(Event.id)
        )
        return [{"kind": e.kind, "actor": e.actor} for e in rows]


async def test_bad_recommendations_are_refused_naming_the_field(app, client, demo):
    incident = await closed_incident(client, demo, level="IV")
    evaluation = await evaluation_of(client, demo["commander"], incident["id"])
    url = f"/api/reviews/{evaluation['id']}"
    before = await counts(app)
    early = full_draft()
    early["recommendations"][0]["due_at"] = (
        parse(incident["closed_at"]) - timedelta(hours=1)
    ).isoformat()
    response = await client.patch(url, json=early, headers=bearer(demo["commander"]))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "recommendations.0.due_at"
    outside = full_draft(unit="231123")  # 逊克县: outside the leading county
    response = await client.patch(url, json=outside, headers=bearer(demo["commander"]))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "recommendations.0.unit"
    no_plan = full_draft(plan=999999)
    response = await client.patch(url, json=no_plan, headers=bearer(demo["commander"]))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "recommendations.0.plan"
    unknown = await client.patch(
        url, json={"sections": {"nonsense": "x"}}, headers=bearer(demo["commander"])
    )
    assert unknown.status_code == 422
    assert await counts(app) == before
