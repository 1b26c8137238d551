"""The duty roster: shifts with the leader on duty, who is on duty now, sign-in and absence,
and the roster workbook imported all or nothing, on both databases."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from command.duty.models import Shift
from command.duty.roster_files import HEADERS
from tests.conftest import bearer
from tests.duty_fixtures import CITY, shift_body
from tests.incidents_fixtures import SIBLING_COUNTY, token_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _shifts(app) -> int:
    async with app.state.db.read() as session:
        return await session.scalar(select(func.count()).select_from(Shift))


async def test_who_is_on_duty_now_and_next(app, client, demo):
    commander = bearer(demo["commander"])
    now_shift = await client.post("/api/duty/shifts", json=shift_body(-1, 11), headers=commander)
    assert now_shift.status_code == 201, now_shift.text
    later = shift_body(11, 23, leader={"name": "赵局长"})
    assert (await client.post("/api/duty/shifts", json=later, headers=commander)).status_code == 201
    duty = (await client.get("/api/duty/now", headers=bearer(demo["display"]))).json()
    assert duty["unit"] == CITY
    assert duty["shift"]["leader"]["name"] == "张副市长"
    assert duty["shift"]["line"] == "0456-8220000"
    assert duty["next"]["leader"]["name"] == "赵局长"
    county = (await client.get("/api/duty/now?unit=231102", headers=commander)).json()
    assert county["shift"] is None


async def test_overlapping_shifts_are_refused(app, client, demo):
    commander = bearer(demo["commander"])
    first = await client.post("/api/duty/shifts", json=shift_body(1, 13), headers=commander)
    clash = await client.post("/api/duty/shifts", json=shift_body(12, 20), headers=commander)
    assert clash.status_code == 409
    assert f"shift {first.json()['id']}" in clash.json()["error"]["message"]
    for body, field in [
        (shift_body(5, 4), "ends_at"),
        (shift_body(0, 30), "ends_at"),
        (shift_body(1, 2, officers=[]), "officers"),
        (shift_body(1, 2, unit="999999"), "unit"),
        (shift_body(1, 2, leader={"name": ""}), "leader.name"),
    ]:
        response = await client.post("/api/duty/shifts", json=body, headers=commander)
        assert response.status_code == 422, (field, response.text)
        assert field in [d["field"] for d in response.json()["error"]["details"]]
    sibling = await client.post(
        "/api/duty/shifts",
        json=shift_body(1, 2, unit=SIBLING_COUNTY),
        headers=bearer(await token_for(app, "231102", "commander")),
    )
    assert sibling.status_code == 403
    assert (
        await client.post(
            "/api/duty/shifts", json=shift_body(30, 31), headers=bearer(demo["reporter"])
        )
    ).status_code == 403
    assert await _shifts(app) == 1


async def test_sign_in_and_absence(app, client, demo):
    commander = bearer(demo["commander"])
    missed = (
        await client.post("/api/duty/shifts", json=shift_body(-3, -1), headers=commander)
    ).json()
    current = (
        await client.post("/api/duty/shifts", json=shift_body(-1, 11), headers=commander)
    ).json()
    assert missed["absent"] is True and current["absent"] is True
    signed = await client.post(
        f"/api/duty/shifts/{current['id']}/sign-in", json={"name": "李值班"}, headers=commander
    )
    assert signed.status_code == 200, signed.text
    assert [s["name"] for s in signed.json()["sign_ins"]] == ["李值班"]
    # Signed in an hour after the start: past the 15-minute grace, still an absence.
    assert signed.json()["absent"] is True
    again = await client.post(
        f"/api/duty/shifts/{current['id']}/sign-in", json={"name": "李值班"}, headers=commander
    )
    assert len(again.json()["sign_ins"]) == 1
    stranger = await client.post(
        f"/api/duty/shifts/{current['id']}/sign-in", json={"name": "路人"}, headers=commander
    )
    assert stranger.status_code == 422
    closed = await client.post(
        f"/api/duty/shifts/{missed['id']}/sign-in", json={"name": "李值班"}, headers=commander
    )
    assert closed.status_code == 409
    on_time = (
        await client.post("/api/duty/shifts", json=shift_body(11, 23), headers=commander)
    ).json()
    early = await client.post(
        f"/api/duty/shifts/{on_time['id']}/sign-in", json={"name": "张副市长"}, headers=commander
    )
    assert early.status_code == 409  # eleven hours early
    absences = (await client.get("/api/duty/shifts?absent=true", headers=commander)).json()
    assert {s["id"] for s in absences["items"]} == {missed["id"], current["id"]}


def _workbook(rows: list[list], title: str | None = "黑河市应急管理局值班表") -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _row(day: str, start: str, end: str, unit: str = CITY, leader: str = "张副市长") -> list:
    return [
        unit,
        day,
        "白班",
        start,
        end,
        leader,
        "139",
        "李值班、王值班",
        "138、137",
        "0456-8220000",
    ]


async def test_a_roster_workbook_is_imported_and_exported(app, client, demo):
    commander = bearer(demo["commander"])
    content = _workbook(
        [
            _row("2027-01-05", "08:00", "20:00"),
            _row("2027-01-05", "20:00", "08:00", leader="赵局长"),
            _row("2027-01-06", "08:00", "20:00", unit="231102"),
        ]
    )
    response = await client.post(
        "/api/duty/shifts/import", content=content, headers={**commander, "Content-Type": XLSX}
    )
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 3
    night = response.json()["items"][1]
    assert night["starts_at"] == "2027-01-05T12:00:00Z"  # 20:00 in Asia/Shanghai
    assert night["ends_at"] == "2027-01-06T00:00:00Z"  # 08:00 the next day
    assert [o["name"] for o in night["officers"]] == ["李值班", "王值班"]
    exported = await client.get(
        "/api/duty/shifts.xlsx?since=2027-01-01T00:00:00Z", headers=commander
    )
    assert exported.status_code == 200 and exported.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert [c.value for c in sheet[2]] == HEADERS and sheet.freeze_panes == "A3"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in rows] == [
        (CITY, "2027-01-05", "08:00", "20:00", "张副市长"),
        (CITY, "2027-01-05", "20:00", "08:00", "赵局长"),
        ("231102", "2027-01-06", "08:00", "20:00", "张副市长"),
    ]
    template = await client.get("/api/duty/shifts/template.xlsx", headers=commander)
    again = await client.post(
        "/api/duty/shifts/import",
        content=template.content,
        headers={**commander, "Content-Type": XLSX},
    )
    assert again.status_code == 201, again.text


async def test_a_roster_with_an_overlap_or_a_gap_imports_nothing(app, client, demo):
    commander = bearer(demo["commander"])
    stored = await client.post(
        "/api/duty/shifts",
        json={
            **shift_body(0, 1),
            "starts_at": "2027-02-01T00:00:00Z",
            "ends_at": "2027-02-01T04:00:00Z",
        },
        headers=commander,
    )
    assert stored.status_code == 201
    before = await _shifts(app)
    content = _workbook(
        [
            _row("2027-01-05", "08:00", "20:00"),
            _row("2027-01-05", "19:00", "08:00"),  # overlaps row 3
            _row("2027-01-06", "09:00", "20:00"),  # a gap after 08:00
            _row("2027-02-01", "08:00", "12:00"),  # 00:00–04:00 UTC is stored
            _row("2027-01-07", "08:00", "20:00", unit="999999"),
            ["", "someday", "", "8", "9", "", "", "", "", ""],
        ]
    )
    response = await client.post(
        "/api/duty/shifts/import", content=content, headers={**commander, "Content-Type": XLSX}
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "roster_refused"
    fields = {d["field"] for d in error["details"]}
    assert {"rows.4.starts_at", "rows.5.starts_at", "rows.6.starts_at", "rows.7.unit"} <= fields
    assert any(f.startswith("rows.8.") for f in fields)
    assert await _shifts(app) == before


async def test_what_is_not_a_roster_is_refused(app, client, demo):
    commander = bearer(demo["commander"])
    before = await _shifts(app)
    garbage = await client.post(
        "/api/duty/shifts/import",
        content=b"not a workbook",
        headers={**commander, "Content-Type": XLSX},
    )
    assert garbage.status_code == 422 and garbage.json()["error"]["details"][0]["field"] == "file"
    wrong_type = await client.post(
        "/api/duty/shifts/import", content=b"x", headers={**commander, "Content-Type": "text/csv"}
    )
    assert wrong_type.status_code == 415
    headless = await client.post(
        "/api/duty/shifts/import",
        content=_workbook([["a", "b"]], title=None).replace(b"", b""),
        headers={**commander, "Content-Type": XLSX},
    )
    assert headless.status_code == 422
    assert await _shifts(app) == before
