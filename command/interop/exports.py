"""Incidents as CSV and XLSX, with the incident list's filters and the caller's subtree.

Headers and labels are Chinese by default (English with ?lang=en); times are in the
deployment's zone. The CSV starts with a UTF-8 byte order mark, without which Excel reads
Chinese as mojibake. Text that a spreadsheet would run as a formula (=, +, -, @ first) is
kept text: quoted with ' in CSV, typed as a string in XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.auth.service import Principal
from command.db import utcnow
from command.incidents.models import Incident
from command.incidents.service import list_incidents
from command.interop.schemas import ExportQuery
from command.units.models import Unit
from command.vocabulary import name

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    width: int = 12


COLUMNS = (
    Column("id", "编号", "ID", 8),
    Column("title", "标题", "Title", 30),
    Column("category", "类别", "Category", 14),
    Column("type", "类型", "Type", 16),
    Column("level", "级别", "Level", 14),
    Column("status", "状态", "Status", 10),
    Column("source", "信息来源", "Source", 10),
    Column("unit", "单位代码", "Unit code", 12),
    Column("unit_name", "单位名称", "Unit", 20),
    Column("occurred_at", "发生时间", "Occurred at", 20),
    Column("learned_at", "获悉时间", "Learned at", 20),
    Column("received_at", "接报时间", "Received at", 20),
    Column("closed_at", "结束时间", "Closed at", 20),
    Column("dead", "死亡", "Dead", 8),
    Column("missing", "失踪", "Missing", 8),
    Column("injured", "受伤", "Injured", 8),
    Column("affected", "受影响人数", "Affected", 10),
    Column("loss", "直接经济损失（万元）", "Direct loss (10,000 CNY)", 14),
    Column("exercise", "演练", "Exercise", 8),
    Column("sensitive", "敏感", "Sensitive", 8),
    Column("lon", "经度", "Longitude", 14),
    Column("lat", "纬度", "Latitude", 14),
    Column("reports", "报告数", "Reports", 8),
    Column("summary", "概况", "Summary", 40),
    Column("measures", "已采取措施", "Measures taken", 40),
)
FLAGS = {"zh": {True: "是", False: "否"}, "en": {True: "yes", False: "no"}}
UNASSESSED = {"zh": "未定级", "en": "unassessed"}


def _level(level: str | None, lang: str) -> str:
    """Chinese: I级（特别重大）; English: the bare level, as the circulars write it."""
    if level is None:
        return UNASSESSED[lang]
    return f"{level}级（{name('level', level)}）" if lang == "zh" else level


def _word(group: str, code: str, lang: str) -> str:
    """English cells keep the codes for status and source, which scripts filter on."""
    return code if lang == "en" and group in ("status", "source") else name(group, code, lang)


SHEETS = {"zh": ("突发事件", "导出说明"), "en": ("Incidents", "About")}
ABOUT = {
    "zh": ("导出时间", "时区", "筛选条件", "导出行数", "符合条件总数"),
    "en": ("Exported at", "Time zone", "Filters", "Rows", "Matching in all"),
}


@dataclass(frozen=True)
class Export:
    """The rows to write and what the file says about itself."""

    incidents: Sequence[Incident]
    unit_names: dict[int, str]
    total: int
    lang: str
    zone: tzinfo
    zone_name: str
    filters: str
    now: datetime

    def local(self, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(self.zone).replace(microsecond=0, tzinfo=None)


async def collect(
    *,
    session: AsyncSession,
    query: ExportQuery,
    principal: Principal,
    zone_name: str,
    filters: str,
) -> Export:
    """The incidents the list would show with these filters (all pages up to the limit)."""
    incidents, total = await list_incidents(session=session, filters=query, principal=principal)
    unit_ids = {incident.unit_id for incident in incidents}
    names = await session.execute(
        select(Unit.id, Unit.name, Unit.name_en).where(Unit.id.in_(unit_ids))
    )
    pick = (lambda row: row.name_en or row.name) if query.lang == "en" else (lambda row: row.name)
    return Export(
        incidents=incidents,
        unit_names={row.id: pick(row) for row in names},
        total=total,
        lang=query.lang,
        zone=ZoneInfo(zone_name),
        zone_name=zone_name,
        filters=filters,
        now=utcnow(),
    )


def headers(lang: str) -> list[str]:
    return [getattr(column, lang) for column in COLUMNS]


def _values(incident: Incident, export: Export) -> dict[str, Any]:
    lang = export.lang
    return {
        "id": incident.id,
        "title": incident.title,
        "category": _word("category", incident.category, lang),
        "type": incident.type,
        "level": _level(incident.level, lang),
        "status": _word("status", incident.status, lang),
        "source": _word("source", incident.source, lang),
        "unit": incident.unit_path.rstrip("/").rsplit("/", 1)[-1],
        "unit_name": export.unit_names.get(incident.unit_id, ""),
        "occurred_at": export.local(incident.occurred_at),
        "learned_at": export.local(incident.learned_at),
        "received_at": export.local(incident.received_at),
        "closed_at": export.local(incident.closed_at),
        "dead": incident.dead,
        "missing": incident.missing,
        "injured": incident.injured,
        "affected": incident.affected,
        "loss": incident.loss,
        "exercise": FLAGS[lang][incident.exercise],
        "sensitive": FLAGS[lang][incident.sensitive],
        "lon": incident.lon,
        "lat": incident.lat,
        "reports": len(incident.reports),
        "summary": incident.summary,
        "measures": incident.measures,
    }


def rows(export: Export) -> list[list[Any]]:
    return [
        [values[column.key] for column in COLUMNS]
        for values in (_values(incident, export) for incident in export.incidents)
    ]


# --- CSV ---------------------------------------------------------------------------------


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(export: Export) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers(export.lang))
    writer.writerows([_csv_cell(v) for v in row] for row in rows(export))
    return (BOM + buffer.getvalue()).encode("utf-8")


# --- XLSX --------------------------------------------------------------------------------


def _xlsx_cell(sheet: Any, row: int, column: int, value: Any) -> None:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif isinstance(value, datetime):
        cell.number_format = XLSX_TIME_FORMAT


def _incident_sheet(sheet: Any, export: Export) -> None:
    for index, (column, header) in enumerate(zip(COLUMNS, headers(export.lang), strict=True), 1):
        _xlsx_cell(sheet, 1, index, header)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for number, row in enumerate(rows(export), 2):
        for index, value in enumerate(row, 1):
            _xlsx_cell(sheet, number, index, value)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(export.incidents) + 1}"


def _about_sheet(sheet: Any, export: Export) -> None:
    values = (
        export.local(export.now),
        export.zone_name,
        export.filters,
        len(export.incidents),
        export.total,
    )
    for number, (label, value) in enumerate(zip(ABOUT[export.lang], values, strict=True), 1):
        _xlsx_cell(sheet, number, 1, label)
        _xlsx_cell(sheet, number, 2, value)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 40


def to_xlsx(export: Export) -> bytes:
    """The workbook; CPU-bound for large exports, so callers run it in a worker thread."""
    workbook = Workbook()
    incidents_title, about_title = SHEETS[export.lang]
    sheet = workbook.active
    sheet.title = incidents_title
    _incident_sheet(sheet, export)
    _about_sheet(workbook.create_sheet(about_title), export)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
