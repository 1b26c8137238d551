"""The roster as offices keep it in a spreadsheet: one row a shift, with 日期, 班次, the
start and end times, 带班领导, 值班员 and 值班电话. The same layout is exported, offered as a
template and imported; times are in the deployment's zone, and an end time at or before
the start time is on the next day (a night shift)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from command.duty.roster import Problem
from command.duty.schemas import ShiftIn

# (header, key, width): the columns in order.
COLUMNS = (
    ("单位代码", "unit", 14),
    ("日期", "date", 12),
    ("班次", "label", 10),
    ("开始", "start", 8),
    ("结束", "end", 8),
    ("带班领导", "leader", 12),
    ("带班领导电话", "leader_phone", 16),
    ("值班员", "officers", 20),
    ("值班员电话", "officer_phones", 28),
    ("值班电话", "line", 16),
)
HEADERS = [header for header, _, _ in COLUMNS]
SEPARATORS = ("、", "，", ",", ";", "；", "/")
MAX_ROWS = 2000


class RosterFileError(ValueError):
    """The upload is not a roster workbook at all."""


@dataclass(frozen=True)
class RosterRow:
    row: int
    shift: ShiftIn


def _split(text: Any) -> list[str]:
    value = "" if text is None else str(text)
    for separator in SEPARATORS[1:]:
        value = value.replace(separator, SEPARATORS[0])
    return [part.strip() for part in value.split(SEPARATORS[0]) if part.strip()]


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip().replace("/", "-"))


def _time(value: Any) -> time:
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    return time.fromisoformat(str(value).strip().zfill(5))


def _interval(values: dict[str, Any], zone: tzinfo) -> tuple[datetime, datetime]:
    day = _date(values["date"])
    start, end = _time(values["start"]), _time(values["end"])
    starts_at = datetime.combine(day, start, zone)
    ends_at = datetime.combine(day + timedelta(days=1) if end <= start else day, end, zone)
    return starts_at, ends_at


def _shift(values: dict[str, Any], zone: tzinfo) -> ShiftIn:
    starts_at, ends_at = _interval(values, zone)
    names, phones = _split(values.get("officers")), _split(values.get("officer_phones"))
    officers = [
        {"name": name, "phone": phones[index] if index < len(phones) else ""}
        for index, name in enumerate(names)
    ]
    return ShiftIn.model_validate(
        {
            "unit": str(values.get("unit") or "").strip(),
            "starts_at": starts_at,
            "ends_at": ends_at,
            "leader": {
                "name": values.get("leader") or "",
                "phone": values.get("leader_phone") or "",
            },
            "officers": officers,
            "line": str(values.get("line") or "").strip(),
        }
    )


def _header_row(rows: list[tuple[Any, ...]]) -> int:
    """The header may follow a title row or two."""
    for index, row in enumerate(rows[:5]):
        if [
            str(cell).strip() if cell is not None else "" for cell in row[: len(HEADERS)]
        ] == HEADERS:
            return index
    raise RosterFileError("the sheet has no header row " + "、".join(HEADERS))


def read_roster(content: bytes, zone: tzinfo) -> tuple[list[RosterRow], list[Problem]]:
    """The shifts of a roster workbook (its first sheet) and the problems of its rows;
    `Problem.index` is the spreadsheet's row number."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is no workbook
        raise RosterFileError(f"not an XLSX workbook ({type(exc).__name__})") from None
    rows = [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    start = _header_row(rows)
    body = [(number, row) for number, row in enumerate(rows, start=1) if number > start + 1]
    body = [(number, row) for number, row in body if any(cell not in (None, "") for cell in row)]
    if len(body) > MAX_ROWS:
        raise RosterFileError(f"a roster holds at most {MAX_ROWS} shifts")
    shifts, problems = [], []
    for number, row in body:
        values = {
            key: row[index] if index < len(row) else None
            for index, (_, key, _) in enumerate(COLUMNS)
        }
        try:
            shifts.append(RosterRow(number, _shift(values, zone)))
        except ValidationError as exc:
            for error in exc.errors(include_url=False, include_input=False):
                field = ".".join(str(part) for part in error["loc"]) or "row"
                problems.append(Problem(number, field, error["msg"]))
        except (ValueError, TypeError) as exc:
            problems.append(Problem(number, "date", f"cannot read the date or times: {exc}"))
    return shifts, problems


def write_roster(shifts: list[dict[str, Any]], title: str, zone: tzinfo) -> bytes:
    """The roster in the office layout: a title row, then a bold, frozen, filtered header."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "值班表"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for shift in shifts:
        sheet.append(_row(shift, zone))
    for index, (_, _, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.data_type = "s" if cell.value is not None else cell.data_type
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(COLUMNS))}{max(2, sheet.max_row)}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _row(shift: dict[str, Any], zone: tzinfo) -> list[str]:
    starts_at = datetime.fromisoformat(shift["starts_at"]).astimezone(zone)
    ends_at = datetime.fromisoformat(shift["ends_at"]).astimezone(zone)
    officers = shift["officers"]
    return [
        shift["unit"],
        starts_at.date().isoformat(),
        _label(starts_at, ends_at),
        starts_at.strftime("%H:%M"),
        ends_at.strftime("%H:%M"),
        shift["leader"]["name"],
        shift["leader"]["phone"],
        "、".join(officer["name"] for officer in officers),
        "、".join(officer.get("phone", "") for officer in officers),
        shift["line"],
    ]


def _label(starts_at: datetime, ends_at: datetime) -> str:
    if ends_at - starts_at >= timedelta(hours=23):
        return "全天"
    return "白班" if 6 <= starts_at.hour < 18 else "夜班"


def template(zone: tzinfo, unit: str, line: str = "") -> bytes:
    """An example roster to fill in: one day shift and one night shift from tomorrow."""
    tomorrow = datetime.now(zone).date() + timedelta(days=1)
    example = [
        {
            "unit": unit,
            "starts_at": datetime.combine(tomorrow, time(8), zone).isoformat(),
            "ends_at": datetime.combine(tomorrow, time(20), zone).isoformat(),
            "leader": {"name": "张三", "phone": "13900000001"},
            "officers": [{"name": "李四", "phone": "13900000002"}, {"name": "王五", "phone": ""}],
            "line": line,
        },
        {
            "unit": unit,
            "starts_at": datetime.combine(tomorrow, time(20), zone).isoformat(),
            "ends_at": datetime.combine(tomorrow + timedelta(days=1), time(8), zone).isoformat(),
            "leader": {"name": "赵六", "phone": "13900000003"},
            "officers": [{"name": "钱七", "phone": "13900000004"}],
            "line": line,
        },
    ]
    return write_roster(example, "值班表（模板）", zone)
