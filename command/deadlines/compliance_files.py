"""The compliance table as files for a circular: CSV and XLSX, Chinese headers by
default, English with ?lang=en.

Unit names are text a unit's administrator typed: a cell never becomes a formula (a
name starting with "=" stays text in the workbook, and is prefixed with "'" in the CSV,
as spreadsheet programs would otherwise run it).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from command.documents.xlsx import Column, Sheet, workbook_bytes

# (field, Chinese header, English header), in column order.
COLUMNS = (
    ("rank", "排名", "Rank"),
    ("unit", "单位代码", "Unit code"),
    ("name", "单位名称", "Unit"),
    ("obligations", "应报次数", "Reports due"),
    ("on_time", "按时报告", "On time"),
    ("late", "迟报", "Late"),
    ("missed", "漏报", "Missed"),
    ("pending", "超时待报", "Overdue within grace"),
    ("incomplete", "初报要素不全", "Incomplete initial reports"),
    ("concealed", "瞒报（已认定）", "Concealment (confirmed)"),
    ("concealment_candidates", "瞒报（待核实）", "Concealment (to review)"),
    ("false_reports", "谎报", "False reports"),
    ("on_time_rate", "按时报告率", "On-time rate"),
    ("median_delay_minutes", "迟报时长中位数（分钟）", "Median delay (min)"),
    ("worst_delay_minutes", "最长迟报时长（分钟）", "Worst delay (min)"),
)
RATE_INDEX = [name for name, _, _ in COLUMNS].index("on_time_rate")
SHEET = {"zh": "按时报告率", "en": "On-time reporting"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def headers(lang: str) -> list[str]:
    return [zh if lang == "zh" else en for _, zh, en in COLUMNS]


def _cell(row: dict[str, Any], name: str, lang: str) -> Any:
    if name.endswith("_minutes"):
        seconds = row[name.replace("_minutes", "_seconds")]
        return None if seconds is None else round(seconds / 60, 1)
    if name == "name" and lang == "en":
        return row["name_en"] or row["name"]
    return row[name]


def _csv_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def to_csv(rows: list[dict[str, Any]], lang: str = "zh") -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs show the Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers(lang))
    for row in rows:
        cells = [_cell(row, name, lang) for name, _, _ in COLUMNS]
        rate = row["on_time_rate"]
        cells[RATE_INDEX] = "" if rate is None else f"{rate * 100:.1f}%"
        writer.writerow([_csv_text(cell) for cell in cells])
    return out.getvalue().encode("utf-8-sig")


WIDTHS = {"rank": 6, "unit": 10, "name": 24, "on_time_rate": 12}


def to_xlsx(rows: list[dict[str, Any]], title: str, lang: str = "zh", subtitle: str = "") -> bytes:
    """The styled workbook: title and period rows, then the frozen, filtered table."""
    columns = [
        Column(
            zh if lang == "zh" else en,
            width=WIDTHS.get(name, 12),
            number_format="0.0%" if name == "on_time_rate" else None,
        )
        for name, zh, en in COLUMNS
    ]
    table = [[_cell(row, name, lang) for name, _, _ in COLUMNS] for row in rows]
    sheet = Sheet(SHEET[lang], title, subtitle, columns, table)
    return workbook_bytes([sheet], title=title)
