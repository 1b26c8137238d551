"""The readiness registries from a workbook: 宣传培训 sessions and 机构建设 records, each
the first sheet of an .xlsx with its headers in the first row. A bad cell refuses the
whole file, named as `rows[i].field` (i counts the data rows from 0, blank rows left out)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import load_workbook
from pydantic import BaseModel, ValidationError

from command.assessment.readiness import OfficeIn, TrainingIn
from command.errors import Invalid, validation_error

TRAINING_HEADERS = ("日期", "单位编码", "类型", "对象", "参加人数", "领导干部人数")
OFFICE_HEADERS = (
    "单位编码", "成立日期", "成立文件", "主任", "专职副主任", "在岗人数", "信息联络员",
)  # fmt: skip
KIND_WORDS = {"培训": "training", "宣传": "publicity", "演练讲评": "exercise_briefing"}


def _rows(content: bytes, headers: tuple[str, ...]) -> list[tuple]:
    """The data rows (blank ones left out), each padded to the headers' width."""
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise Invalid("file", "not an Excel workbook (.xlsx)") from None
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    found = tuple(str(c or "").strip() for c in rows[0][: len(headers)]) if rows else ()
    if found != headers:
        raise Invalid("file", f"the first row must be {', '.join(headers)}")
    width = len(headers)
    return [(list(row) + [None] * width)[:width] for row in rows[1:] if any(row)]


def _day(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _checked(model: type[BaseModel], raw: dict[str, Any], index: int) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(exc, (f"rows[{index}]",)) from None


def read_trainings(content: bytes) -> list[TrainingIn]:
    items = []
    for index, row in enumerate(_rows(content, TRAINING_HEADERS)):
        held, code, kind, audience, attendees, leaders = row
        raw = {
            "held_on": _day(held),
            "unit": _text(code),
            "kind": KIND_WORDS.get(_text(kind), _text(kind)),
            "audience": _text(audience),
            "attendees": attendees or 0,
            "leaders_trained": leaders or 0,
        }
        items.append(_checked(TrainingIn, raw, index))
    return items


def read_offices(content: bytes) -> list[tuple[str, OfficeIn]]:
    """(unit code, its 机构建设) for each row."""
    items = []
    for index, row in enumerate(_rows(content, OFFICE_HEADERS)):
        code, established, document, director, deputy, staff, liaison = row
        if not _text(code):
            raise Invalid(f"rows[{index}].unit", "give the unit's code")
        raw = {
            "established_on": _day(established) or None,
            "approval_document": _text(document),
            "director": _text(director),
            "deputy_full_time": _text(deputy),
            "staff_in_post": staff or 0,
            "liaison": _text(liaison),
        }
        items.append((_text(code), _checked(OfficeIn, raw, index)))
    return items
