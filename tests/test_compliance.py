"""The compliance table on a scripted month of incidents: counts, delays, verdicts, ranking,
exercise traffic left out, and the CSV and XLSX exports with Chinese headers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from command.deadlines import verdicts
from command.deadlines.models import Verdict
from command.incidents.models import Incident, Report
from command.units.service import get_unit
from tests.conftest import bearer
from tests.deadlines_fixtures import (
    close_incident,
    create_incident,
    deadline_app,
    minutes,
    report,
    run_engine,
)

H = timedelta(hours=1)
T1, T2, T3 = "231102001", "231102002", "231102003"  # townships of 爱辉区 (county 231102)
T4, XUNKE = "231123001", "231123"  # a township of 逊克县, and the county
MARCH = "from=2026-03-01&to=2026-04-01"


def day(d: int, month: int = 3) -> datetime:
    return datetime(2026, month, d, 1, 0, tzinfo=UTC)  # 09:00 in Heihe


async def script_march(app) -> None:
    """A: on time everywhere. B: township late, final missed. C: known from the hotline,
    never reported (瞒报 confirmed). D: incomplete but on time; county late. E: an
    exercise nobody reports. F: February, outside the window. A's report found false."""
    a = await create_incident(app, unit=T1, learned_at=day(3), reported_at=day(3) + minutes(10))
    await report(app, a, "231102", day(3) + minutes(40))
    await close_incident(app, a, at=day(3) + 12 * H)
    await report(app, a, T1, day(5), kind="final")

    b = await create_incident(app, unit=T2, learned_at=day(8), reported_at=day(8) + minutes(150))
    await report(app, b, "231102", day(8) + minutes(170))
    await close_incident(app, b, at=day(8) + 12 * H)

    c = await create_incident(app, unit=T3, learned_at=day(12), source="hotline", with_report=False)
    await close_incident(app, c, at=day(12) + 12 * H)

    d = await create_incident(
        app,
        unit=T4,
        learned_at=day(20),
        reported_at=day(20) + minutes(10),
        casualties=(None, None, None),
    )
    await report(app, d, XUNKE, day(20) + minutes(190))
    await close_incident(app, d, at=day(20) + 12 * H)
    await report(app, d, T4, day(22), kind="final")

    await create_incident(app, unit=T1, learned_at=day(25), exercise=True, with_report=False)
    f = await create_incident(app, unit=T2, learned_at=day(10, 2), reported_at=day(10, 2) + 3 * H)
    await close_incident(app, f, at=day(10, 2) + 12 * H)

    await run_engine(app, day(1, 4))
    await _judge(app, a, c)


async def _judge(app, false_in: int, concealed_in: int) -> None:
    async with app.state.db.write() as session:
        verdict = await session.scalar(select(Verdict).where(Verdict.incident_id == concealed_in))
        await verdicts.decide(
            session, verdict=verdict, confirm=True, reason="村民电话举报，乡镇未报", actor="test"
        )
        incident = await session.get_one(Incident, false_in)
        initial = await session.scalar(select(Report).where(Report.incident_id == false_in))
        await verdicts.record(
            session,
            incident=incident,
            unit=await get_unit(session, T1),
            kind="false_report",
            reason="伤亡数字系虚构",
            report_id=initial.id,
            actor="test",
        )


EXPECTED = [
    # unit, rank, obligations, on_time, late, missed, incomplete, concealed, false, median, worst
    ("231102", 1, 4, 4, 0, 0, 0, 0, 0, None, None),
    (T4, 1, 3, 3, 0, 0, 1, 0, 0, None, None),
    (T1, 3, 3, 3, 0, 0, 0, 0, 1, None, None),
    (XUNKE, 4, 2, 0, 2, 0, 0, 0, 0, 5400.0, 7200.0),
    (T2, 5, 3, 0, 2, 1, 0, 0, 0, 3600.0, 5400.0),
    (T3, 6, 3, 0, 0, 3, 0, 1, 0, None, None),
]
FIELDS = (
    "unit",
    "rank",
    "obligations",
    "on_time",
    "late",
    "missed",
    "incomplete",
    "concealed",
    "false_reports",
    "median_delay_seconds",
    "worst_delay_seconds",
)


async def test_the_compliance_table_of_a_scripted_month(settings, demo):
    import httpx

    async with deadline_app(settings) as app:
        await script_march(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = bearer(demo["display"])
            table = await client.get(f"/api/compliance?{MARCH}", headers=headers)
            county = await client.get(f"/api/compliance?{MARCH}&unit=231102", headers=headers)
            as_csv = await client.get(f"/api/compliance.csv?{MARCH}", headers=headers)
            as_xlsx = await client.get(f"/api/compliance.xlsx?{MARCH}", headers=headers)
            february = await client.get(
                "/api/compliance?from=2026-02-01&to=2026-03-01", headers=headers
            )

    assert table.status_code == 200, table.text
    body = table.json()
    assert body["from"] == "2026-03-01T00:00:00+08:00" and body["unit"] == "231100"
    assert body["ruleset"] == "cn-national"
    rows = body["rows"]
    assert [tuple(row[name] for name in FIELDS) for row in rows] == EXPECTED
    rates = {row["unit"]: row["on_time_rate"] for row in rows}
    assert rates == {"231102": 1.0, T4: 1.0, T1: 1.0, XUNKE: 0.0, T2: 0.0, T3: 0.0}
    assert all(row["pending"] == 0 and row["concealment_candidates"] == 0 for row in rows)
    assert rows[0]["name"] == "爱辉区"

    assert {row["unit"] for row in county.json()["rows"]} == {"231102", T1, T2, T3}
    # February: only F (the township late twice and its final missed; the county silent).
    feb = {row["unit"]: (row["late"], row["missed"]) for row in february.json()["rows"]}
    assert feb == {T2: (2, 1), "231102": (0, 2)}

    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "compliance-231100-20260301-20260401.csv" in as_csv.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert lines[0][:4] == ["排名", "单位代码", "单位名称", "应报次数"]
    assert "按时报告率" in lines[0] and "迟报" in lines[0] and "漏报" in lines[0]
    assert [line[1] for line in lines[1:]] == [row[0] for row in EXPECTED]
    assert lines[1][lines[0].index("按时报告率")] == "100.0%"
    assert lines[5][lines[0].index("最长迟报时长（分钟）")] == "90.0"

    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    cells = list(sheet.iter_rows(min_row=3, values_only=True))
    assert sheet["A1"].value.startswith("黑河市") and "2026-03-01" in sheet["A2"].value
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref.startswith("A3:")
    assert cells[0] == tuple(lines[0])
    assert [row[1] for row in cells[1:]] == [row[0] for row in EXPECTED]
    assert cells[4][cells[0].index("迟报")] == 2 and cells[1][12] == 1.0


async def test_compliance_query_errors(app, client, demo):
    headers = bearer(demo["display"])
    cases = [
        ("/api/compliance?from=2026-04-01&to=2026-03-01", headers, 422),
        ("/api/compliance?from=yesterday", headers, 422),
        ("/api/compliance?unit=nowhere", headers, 422),
        ("/api/compliance.csv?to=2026-13-01", headers, 422),
        ("/api/compliance.xlsx?unit=231102", {}, 401),
    ]
    for path, auth, status in cases:
        response = await client.get(path, headers=auth)
        assert response.status_code == status, (path, response.text)
    from tests.incidents_fixtures import token_for

    county = await token_for(app, "231123", "display")
    outside = await client.get("/api/compliance?unit=231100", headers=bearer(county))
    assert outside.status_code == 403
    default = await client.get("/api/compliance", headers=bearer(county))
    body = default.json()
    assert default.status_code == 200 and body["unit"] == "231123" and body["rows"] == []
    span = datetime.fromisoformat(body["to"]) - datetime.fromisoformat(body["from"])
    assert span == timedelta(days=30)


async def test_files_in_english_and_names_that_look_like_formulas_stay_text(settings, demo):
    import httpx

    from command.units.schemas import UnitIn
    from command.units.service import create_unit

    async with deadline_app(settings) as app:
        async with app.state.db.write() as session:
            unit = UnitIn(
                code="231102003009",
                name='=HYPERLINK("http://x.example","x")',
                name_en="@SUM(A1)",
                kind="area",
                tier="village",
                parent=T3,
            )
            await create_unit(session, data=unit, actor="test")
        await create_incident(app, unit="231102003009", learned_at=day(3), with_report=False)
        await run_engine(app, day(1, 4))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = bearer(demo["display"])
            zh_xlsx = await client.get(f"/api/compliance.xlsx?{MARCH}", headers=headers)
            zh_csv = await client.get(f"/api/compliance.csv?{MARCH}", headers=headers)
            en_xlsx = await client.get(f"/api/compliance.xlsx?{MARCH}&lang=en", headers=headers)
            en_csv = await client.get(f"/api/compliance.csv?{MARCH}&lang=en", headers=headers)
            bad = await client.get(f"/api/compliance.csv?{MARCH}&lang=fr", headers=headers)
    assert bad.status_code == 422
    sheet = load_workbook(io.BytesIO(zh_xlsx.content)).active
    [name] = [row[2] for row in sheet.iter_rows(min_row=4)]
    assert name.value.startswith("=HYPERLINK") and name.data_type == "s"
    [line] = list(csv.reader(io.StringIO(zh_csv.content.decode("utf-8-sig"))))[1:]
    assert line[2] == '\'=HYPERLINK("http://x.example","x")'
    english = load_workbook(io.BytesIO(en_xlsx.content))
    assert english.sheetnames == ["On-time reporting"]
    assert english.properties.title.startswith("Heihe City on-time reporting 2026-03-01")
    cells = list(english.active.iter_rows(min_row=3, values_only=True))
    assert cells[0][:3] == ("Rank", "Unit code", "Unit") and "On-time rate" in cells[0]
    assert cells[1][2] == "@SUM(A1)"
    lines = list(csv.reader(io.StringIO(en_csv.content.decode("utf-8-sig"))))
    assert lines[0][5:7] == ["Late", "Missed"] and lines[1][2] == "'@SUM(A1)"
