"""Workbooks in the layout offices keep.

Each sheet: a bold title row, a period/unit row, then a bold, frozen, filtered header and
the rows. Text is always text, in the rows as in the title, period and header rows: a unit
name starting with "=" stays a string, and the control characters openpyxl refuses are
dropped rather than failing the export.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
HEADER_ROW = 3  # title, period, header
SHEET_NAME_LIMIT = 31
SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    number_format: str | None = None  # e.g. "0.0%" or "yyyy-mm-dd hh:mm"


@dataclass
class Sheet:
    name: str
    title: str
    subtitle: str  # the period, the unit, when it was made
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]] = field(default_factory=list)


def workbook_bytes(sheets: Sequence[Sheet], *, title: str) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        _fill(book.create_sheet(_sheet_name(sheet.name)), sheet)
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(name: str) -> str:
    return name.translate(SHEET_NAME_FORBIDDEN)[:SHEET_NAME_LIMIT] or "Sheet"


def _fill(target: Worksheet, sheet: Sheet) -> None:
    width = max(len(sheet.columns), 1)
    _banner(target, 1, sheet.title, TITLE_FONT, width)
    _banner(target, 2, sheet.subtitle, Font(italic=True), width)
    for index, column in enumerate(sheet.columns, start=1):
        cell = _text_cell(target, HEADER_ROW, index, column.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        target.column_dimensions[get_column_letter(index)].width = column.width
    last = HEADER_ROW
    for last, row in enumerate(sheet.rows, start=HEADER_ROW + 1):
        for index, (column, value) in enumerate(zip(sheet.columns, row, strict=False), start=1):
            _put(target, last, index, value, column)
    target.freeze_panes = target.cell(row=HEADER_ROW + 1, column=1)
    end = get_column_letter(width)
    target.auto_filter.ref = f"A{HEADER_ROW}:{end}{max(last, HEADER_ROW)}"


def _banner(target: Worksheet, row: int, text: str, font: Font, width: int) -> None:
    cell = _text_cell(target, row, 1, text)
    cell.font = font
    if width > 1:
        target.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def _text_cell(target: Worksheet, row: int, column: int, value: Any):
    cell = target.cell(row=row, column=column, value=_text(value))
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _put(target: Worksheet, row: int, column: int, value: Any, spec: Column) -> None:
    cell = _text_cell(target, row, column, value)
    if not isinstance(value, str) and spec.number_format and value is not None:
        cell.number_format = spec.number_format


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value
