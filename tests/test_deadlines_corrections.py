"""Corrections (更正), 误报, jumps in the figures, 补报 and 核报, device time, addressees
and the initial report's content — through the HTTP API, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from command.deadlines.models import Verdict
from command.events import Event
from command.incidents.models import Correction
from command.incidents.schemas import CorrectionOut, ReportOut
from tests.conftest import bearer
from tests.incidents_fixtures import REPORTER_UNIT, create, iso, patch, report
from tests.plans_fixtures import ZONE


def error(response) -> tuple[int, str, set[str]]:
    body = response.json()["error"]
    return response.status_code, body["code"], {d["field"] for d in body.get("details", [])}


async def correct(client, token, incident_id, report_id, **body):
    return await client.post(
        f"/api/incidents/{incident_id}/reports/{report_id}/corrections",
        json=body,
        headers=bearer(token),
    )


async def count(app, model) -> int:
    async with app.state.db.read() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_a_correction_marked_misreport_counts_apart_in_compliance(app, client, demo):
    body = await create(
        client, demo["reporter"], casualties={"dead": 0, "missing": 1, "injured": 2}
    )
    initial = body["reports"][0]
    response = await correct(
        client,
        demo["reporter"],
        body["id"],
        initial["id"],
        casualties={"missing": 0, "injured": 3},
        reason="失联人员已联系上；一人轻伤漏计",
    )
    assert response.status_code == 201, response.text
    correction = response.json()
    assert CorrectionOut.model_validate(correction).model_dump(mode="json").keys() == (
        correction.keys()
    )
    assert correction["changes"] == {
        "missing": {"from": 1, "to": 0},
        "injured": {"from": 2, "to": 3},
    }
    assert correction["by_centre"] is False and correction["unit"] == REPORTER_UNIT
    incident = await client.get(f"/api/incidents/{body['id']}", headers=bearer(demo["display"]))
    assert incident.json()["casualties"] == {"dead": 0, "missing": 0, "injured": 3}
    listed = await client.get(
        f"/api/incidents/{body['id']}/corrections", headers=bearer(demo["display"])
    )
    assert listed.json()["total"] == 1

    verdict = {
        "kind": "misreport",
        "unit": REPORTER_UNIT,
        "reason": "失联人数误报，已更正",
        "correction": correction["id"],
    }
    path = f"/api/incidents/{body['id']}/verdicts"
    marked = await client.post(path, json=verdict, headers=bearer(demo["commander"]))
    assert marked.status_code == 201, marked.text
    assert marked.json()["correction"] == correction["id"]
    assert marked.json()["report"] == initial["id"]
    again = await client.post(path, json=verdict, headers=bearer(demo["commander"]))
    assert error(again) == (409, "conflict", {"correction"})
    unnamed = await client.post(
        path, json={**verdict, "correction": None}, headers=bearer(demo["commander"])
    )
    assert error(unnamed)[0] == 422 and "correction" in error(unnamed)[2]
    reporter = await client.post(path, json=verdict, headers=bearer(demo["reporter"]))
    assert reporter.status_code == 403

    today = datetime.now(UTC).astimezone(ZONE).date()  # compliance's days are local
    window = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    table = await client.get(f"/api/compliance?{window}", headers=bearer(demo["display"]))
    assert table.status_code == 200
    row = next(r for r in table.json()["rows"] if r["unit"] == REPORTER_UNIT)
    assert row["misreports"] == 1 and row["false_reports"] == 0


async def test_a_jump_without_explanation_is_refused(app, client, demo):
    body = await create(client, demo["reporter"])
    before = (await count(app, Event), await count(app, Correction))
    jump = await report(
        client, demo["reporter"], body["id"], kind="followup", casualties={"dead": 12}
    )
    assert error(jump) == (422, "explanation_required", {"explanation"})
    initial = body["reports"][0]["id"]
    corrected = await correct(
        client, demo["reporter"], body["id"], initial, casualties={"dead": 15}, reason="更正"
    )
    assert error(corrected) == (422, "explanation_required", {"explanation"})
    patched = await patch(client, demo["commander"], body["id"], casualties={"injured": 40})
    assert error(patched) == (422, "explanation_required", {"explanation"})
    assert (await count(app, Event), await count(app, Correction)) == before
    explained = await report(
        client,
        demo["reporter"],
        body["id"],
        kind="followup",
        casualties={"dead": 12},
        explanation="楼内搜救发现12名遇难者",
    )
    assert explained.status_code == 201, explained.text
    assert explained.json()["explanation"] == "楼内搜救发现12名遇难者"


async def _closed_out(client, demo, *, days_ago: int, type_: str) -> dict:
    """An incident that occurred `days_ago` days ago, with its final report filed."""
    body = await create(
        client,
        demo["reporter"],
        type=type_,
        occurred_at=iso(-timedelta(days=days_ago, minutes=30)),
        learned_at=iso(-timedelta(days=days_ago, minutes=20)),
    )
    final = await report(client, demo["reporter"], body["id"], kind="final", summary="处置完毕")
    assert final.status_code == 201, final.text
    return body


async def test_a_supplement_after_the_window_is_refused(app, client, demo):
    # A fire: 补报 within 7 days (条例 art. 13); this one occurred 10 days ago.
    fire = await _closed_out(client, demo, days_ago=10, type_="residential fire")
    late = await report(
        client, demo["reporter"], fire["id"], kind="followup", casualties={"dead": 1}
    )
    assert error(late) == (409, "supplement_window_closed", {"casualties"})
    initial = fire["reports"][0]["id"]
    corrected = await correct(
        client, demo["reporter"], fire["id"], initial, casualties={"injured": 3}, reason="伤员增加"
    )
    assert error(corrected) == (409, "supplement_window_closed", {"casualties"})
    # Text corrections are no 补报: still accepted.
    text = await correct(
        client, demo["reporter"], fire["id"], initial, summary="三楼起火", reason="措辞"
    )
    assert text.status_code == 201 and text.json()["supplement"] is False

    # A landslide: 30 days; 10 days after, the 补报 is accepted and flagged.
    slide = await _closed_out(client, demo, days_ago=10, type_="landslide")
    supplement = await report(
        client, demo["reporter"], slide["id"], kind="followup", casualties={"dead": 1}
    )
    assert supplement.status_code == 201, supplement.text
    assert supplement.json()["supplement"] is True


async def test_the_verified_report_closes_a_natural_disasters_figures(app, client, demo):
    body = await create(client, demo["reporter"], category="natural", type="flood")
    verified = await report(
        client,
        demo["reporter"],
        body["id"],
        kind="followup",
        verified=True,
        casualties={"dead": 0, "missing": 0, "injured": 2},
        summary="核报",
    )
    assert verified.status_code == 201 and verified.json()["verified"] is True
    after = await report(
        client, demo["reporter"], body["id"], kind="followup", casualties={"injured": 3}
    )
    assert error(after) == (409, "figures_verified", {"casualties"})
    initial = await report(client, demo["commander"], body["id"], kind="initial", verified=True)
    assert error(initial)[0] == 422 and "verified" in error(initial)[2]


async def test_device_time_beyond_the_skew_is_recorded_and_flagged(app, client, demo):
    ahead = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    behind = (datetime.now(UTC) - timedelta(hours=3)).isoformat()  # queued while offline
    body = await create(client, demo["reporter"], device_time=ahead)
    first = body["reports"][0]
    assert first["device_time_flagged"] is True and first["device_time"] is not None
    assert first["received_at"] < first["device_time"]
    queued = await report(client, demo["reporter"], body["id"], kind="followup", device_time=behind)
    assert queued.status_code == 201 and queued.json()["device_time_flagged"] is False
    assert ReportOut.model_validate(queued.json()).model_dump(mode="json").keys() == (
        queued.json().keys()
    )


async def test_addressees_must_be_above_the_reporting_unit(app, client, demo):
    body = await create(client, demo["reporter"])
    sideways = await report(
        client, demo["reporter"], body["id"], kind="followup", to=["231102", "231123"]
    )
    assert error(sideways) == (422, "addressee_not_above", {"to.1"})
    bad = await report(client, demo["reporter"], body["id"], kind="followup", to=[])
    assert bad.status_code == 422
    direct = await report(
        client, demo["reporter"], body["id"], kind="followup", to=["231100", "231102"]
    )
    assert direct.status_code == 201 and direct.json()["to"] == ["231100", "231102"]


async def test_the_initial_report_carries_its_content_and_loss_is_a_key_fact(app, client, demo):
    body = await create(
        client,
        demo["reporter"],
        scope="三号楼及周边两栋居民楼",
        development="火势已控制，无扩大趋势",
        leaders="区应急局局长到场指挥",
        loss=...,
    )
    initial = body["reports"][0]
    assert initial["scope"] == "三号楼及周边两栋居民楼"
    assert initial["leaders"] == "区应急局局长到场指挥"
    assert initial["development"] == "火势已控制，无扩大趋势"
    assert initial["missing_facts"] == ["loss"]


async def test_corrections_errors_name_the_field(app, client, demo):
    body = await create(client, demo["reporter"])
    initial = body["reports"][0]["id"]
    no_reason = await correct(client, demo["reporter"], body["id"], initial, casualties={"dead": 1})
    assert error(no_reason)[0] == 422 and "reason" in error(no_reason)[2]
    nothing = await correct(
        client,
        demo["reporter"],
        body["id"],
        initial,
        summary=body["reports"][0]["summary"],
        reason="x",
    )
    assert error(nothing) == (422, "no_change", {"body"})
    unknown = await correct(client, demo["reporter"], body["id"], 999999, reason="x", summary="y")
    assert unknown.status_code == 404
    huge = await correct(client, demo["reporter"], body["id"], 2**70, reason="x", summary="y")
    assert huge.status_code == 404
    typo = await correct(client, demo["reporter"], body["id"], initial, reason="x", sumary="y")
    assert typo.status_code == 422
    other = await client.post(
        f"/api/incidents/{body['id']}/reports/{initial}/corrections",
        content=b"{not json",
        headers={**bearer(demo["reporter"]), "content-type": "application/json"},
    )
    assert other.status_code == 400
    # The centre corrects a unit's report; a display may not.
    centre = await correct(
        client, demo["commander"], body["id"], initial, summary="核实后更正", reason="核实"
    )
    assert centre.status_code == 201 and centre.json()["by_centre"] is True
    display = await correct(client, demo["display"], body["id"], initial, summary="z", reason="z")
    assert display.status_code == 403
    assert await count(app, Verdict) == 0


async def test_a_community_sits_at_the_village_tier_only(client, demo):
    body = {
        "code": "231102001077",
        "name": "花园街道第七社区",
        "kind": "community",
        "tier": "township",
        "parent": "231102001",
    }
    response = await client.post("/api/units", json=body, headers=bearer(demo["admin"]))
    assert error(response) == (422, "invalid", {"tier"})


async def test_the_ruleset_shows_its_triggers_and_correction_rules(client, demo):
    ruleset = await client.get("/api/deadlines/ruleset", headers=bearer(demo["display"]))
    [version] = ruleset.json()["versions"]
    triggers = {t["key"]: t for t in version["triggers"]}
    natural = triggers["natural-10-dead-or-missing"]
    assert natural["figures"] == {"dead+missing": 10.0} and natural["sensitive"] is True
    assert natural["direct"] == [
        {"to": "province", "phone": None, "written": "PT2H"},
        {"to": "national", "phone": None, "written": "PT2H"},
    ]
    assert "自然灾害情况统计调查制度" in natural["source"]
    assert triggers["unit-to-county-1h"]["reporters"] == ["enterprise", "school"]
    assert version["corrections"]["supplement"] == "P30D"
    assert version["corrections"]["supplement_by_type"]["fire"] == "P7D"
    assert "loss" in version["initial_facts"]


async def _direct_links(client, demo, incident_id: int) -> list[dict]:
    response = await client.get(
        f"/api/incidents/{incident_id}/obligations", headers=bearer(demo["display"])
    )
    return [o for o in response.json()["items"] if o["direct"]]


async def test_a_verified_figure_crossing_the_threshold_adds_the_direct_links(app, client, demo):
    # A flood in 花园街道: its initial report reached the county (爱辉区) at once.
    body = await create(client, demo["reporter"], category="natural", type="flood")
    assert await _direct_links(client, demo, body["id"]) == []
    raised = await patch(
        client,
        demo["commander"],
        body["id"],
        casualties={"dead": 4, "missing": 6},
        explanation="核实：4人遇难，6人失联",
    )
    assert raised.status_code == 200, raised.text
    direct = await _direct_links(client, demo, body["id"])
    assert {(o["unit"], o["to_unit"]) for o in direct} == {
        ("231102", "230000"),
        ("231102", "000000"),
    }
    at = datetime.fromisoformat(raised.json()["updated_at"])
    for o in direct:
        assert datetime.fromisoformat(o["starts_at"]) == at
        assert o["trigger"] == "natural-10-dead-or-missing" and o["link"].startswith("county>")
    # A unit's correction of its report back under the threshold withdraws them.
    initial = body["reports"][0]["id"]
    corrected = await correct(
        client,
        demo["reporter"],
        body["id"],
        initial,
        casualties={"dead": 1, "missing": 0},
        reason="重复统计，已核减",
    )
    assert corrected.status_code == 201, corrected.text
    assert await _direct_links(client, demo, body["id"]) == []
    withdrawn = await client.get("/api/obligations?unit=231102", headers=bearer(demo["commander"]))
    assert withdrawn.status_code == 200


async def test_a_correction_is_on_the_incidents_history(app, client, demo):
    body = await create(client, demo["reporter"])
    initial = body["reports"][0]["id"]
    await correct(client, demo["reporter"], body["id"], initial, affected=55, reason="核实")
    history = await client.get(
        f"/api/incidents/{body['id']}/history", headers=bearer(demo["display"])
    )
    assert history.status_code == 200
    entry = history.json()["items"][-1]
    assert entry["kind"] == "report.corrected"
    assert entry["changes"] == {"affected": {"from": 40, "to": 55}}
    assert entry["report"]["affected"] == 55
