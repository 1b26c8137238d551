"""The duty log (值班日志) of a shift, on both databases: what happened while it was on, in
time order — sign-in, a call that logged an incident, the desk's 签收 and grading, a
leader's instruction and its feedback, a handover — and nothing from before or after it
or by people of other units; the workbook export holds the same rows."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.conftest import bearer
from tests.duty_fixtures import shift_body
from tests.incidents_fixtures import token_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _incident(title: str) -> dict:
    from tests.browser_helpers import incident_body

    return incident_body(title, channel="phone")


async def test_the_duty_log_lists_the_shift_in_time_order(app, client, demo):
    commander = bearer(demo["commander"])
    shift = await client.post("/api/duty/shifts", json=shift_body(-1, 11), headers=commander)
    assert shift.status_code == 201, shift.text
    shift_id = shift.json()["id"]
    signed = await client.post(
        f"/api/duty/shifts/{shift_id}/sign-in", json={"name": "李值班"}, headers=commander
    )
    assert signed.status_code == 200, signed.text
    call = await client.post(
        "/api/calls",
        json={
            "caller_name": "王村长",
            "caller_phone": "13800000000",
            "content": "村东头民房起火",
            "actions": "通知消防",
            "incident": _incident("东村民房火灾"),
        },
        headers=commander,
    )
    assert call.status_code == 201, call.text
    incident = call.json()["incident"]["id"]
    acked = await client.post(f"/api/incidents/{incident}/ack", headers=commander)
    assert acked.status_code == 200, acked.text
    graded = await client.patch(
        f"/api/incidents/{incident}", json={"level": "III"}, headers=commander
    )
    assert graded.status_code == 200, graded.text
    given = await client.post(
        f"/api/incidents/{incident}/instructions",
        json={"by": "市长 张三", "text": "全力救治伤员", "units": ["231102"]},
        headers=commander,
    )
    assert given.status_code == 201, given.text
    county = bearer(await token_for(app, "231102", "commander"))
    feedback = await client.post(
        f"/api/instructions/{given.json()['id']}/feedback",
        json={"unit": "231102", "text": "伤员已送医"},
        headers=county,
    )
    assert feedback.status_code in (200, 201), feedback.text
    # The county's own action is in the county's log, not the city's.
    await client.patch(f"/api/incidents/{incident}", json={"level": "II"}, headers=county)
    handed = await client.post(
        "/api/duty/handovers", json={"note": "火灾续报待收"}, headers=commander
    )
    assert handed.status_code == 201, handed.text

    response = await client.get(f"/api/duty/shifts/{shift_id}/log", headers=commander)
    assert response.status_code == 200, response.text
    log = response.json()
    kinds = [entry["kind"] for entry in log["entries"]]
    for kind in (
        "shift.signed_in",
        "call.registered",
        "incident.created",
        "incident.acknowledged",
        "incident.level_changed",
        "instruction.given",
        "instruction.feedback",
        "handover.given",
    ):
        assert kind in kinds, (kind, kinds)
    assert kinds.index("shift.signed_in") < kinds.index("call.registered")
    assert kinds.index("instruction.given") < kinds.index("instruction.feedback")
    assert kinds[-1] == "handover.given"
    times = [entry["at"] for entry in log["entries"]]
    assert times == sorted(times)
    grading = [e for e in log["entries"] if e["kind"] == "incident.level_changed"]
    assert len(grading) == 1 and grading[0]["detail"]["changes"]["level"]["to"] == "III"
    assert grading[0]["incident_title"] == "东村民房火灾"
    call_entry = next(e for e in log["entries"] if e["kind"] == "call.registered")
    assert call_entry["detail"]["call"]["caller_name"] == "王村长"
    assert call_entry["incident"] == incident
    assert log["counts"]["calls"] == 1 and log["counts"]["sign_ins"] == 1

    # Readers may read it; the workbook has the same entries.
    display = await client.get(
        f"/api/duty/shifts/{shift_id}/log.xlsx", headers=bearer(demo["display"])
    )
    assert display.status_code == 200 and display.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(display.content)).active
    assert "值班日志" in sheet["A1"].value and "张副市长" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == ["时间", "事项", "内容", "事件", "经办人"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(rows) == len(log["entries"])
    assert any(row[1] == "定级" and "III" in row[2] for row in rows)
    assert any(row[1] == "来电来文" and "村东头民房起火" in row[2] for row in rows)
    assert sheet.freeze_panes == "A4"


async def test_an_absent_shift_and_an_unknown_one(app, client, demo):
    commander = bearer(demo["commander"])
    shift = await client.post("/api/duty/shifts", json=shift_body(-2, 10), headers=commander)
    log = (await client.get(f"/api/duty/shifts/{shift.json()['id']}/log", headers=commander)).json()
    assert [e["kind"] for e in log["entries"]] == ["shift.absent"]
    assert log["shift"]["absent"] is True
    missing = await client.get("/api/duty/shifts/987654/log", headers=commander)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    other = bearer(await token_for(app, "231102", "commander"))
    hidden = await client.get(f"/api/duty/shifts/{shift.json()['id']}/log", headers=other)
    assert hidden.status_code == 404
