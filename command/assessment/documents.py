"""The assessment's documents: the pack (a workbook: summary sheet plus one per group)
and the circular (通报) on reporting for a period, in the official layout."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from command.assessment.sheet import Sheet
from command.documents.docx import OfficialDocument
from command.documents.xlsx import Column, workbook_bytes
from command.documents.xlsx import Sheet as XlsxSheet

CIRCULAR_FILE = Path(__file__).with_name("circular.toml")
FAULT_WORDS = {"late": "迟报", "missed": "漏报", "false_report": "谎报", "concealed": "瞒报"}


def _summary_sheet(sheet: Sheet, cards: list[dict], title: str, subtitle: str) -> XlsxSheet:
    columns = [Column("名次", 6), Column("单位编码", 14), Column("单位", 22), Column("总分", 8),
               Column("等次", 10), Column("状态", 10)]  # fmt: skip
    columns += [Column(f"{g.title}（{g.points:g}）", 14) for g in sheet.groups]
    rows = []
    for card in cards:
        groups = {g["key"]: g["points"] for g in card["groups"]}
        rows.append(
            [card.get("rank"), card["unit"], card["name"], card["total"], card["grade"]["label"],
             card["state"], *(groups.get(g.key) for g in sheet.groups)]
        )  # fmt: skip
    return XlsxSheet("汇总", title, subtitle, columns, rows)


def _records_text(point: dict) -> str:
    parts = []
    for record in point.get("records", [])[:50]:
        kind = FAULT_WORDS.get(record.get("fault", ""), record.get("fault") or record["type"])
        incident = f" 事件#{record['incident']}" if record.get("incident") else ""
        parts.append(f"{kind}{incident} {record.get('unit', '')}".strip())
    return "；".join(parts)


def _group_sheet(group, cards: list[dict], title: str, subtitle: str) -> XlsxSheet:
    columns = [Column("单位", 22), Column("指标", 30), Column("得分", 8), Column("分值", 8),
               Column("来源", 10), Column("计算/说明", 30), Column("依据记录", 60)]  # fmt: skip
    rows = []
    for card in cards:
        for point in card["points"]:
            if point["group"] != group.key:
                continue
            how = point.get("how") or point.get("inspector_reason") or point.get("self_note", "")
            rows.append([card["name"], point["title"], point["points"], point["max"],
                         point["source"], how, _records_text(point)])  # fmt: skip
    return XlsxSheet(group.title, f"{title} · {group.title}", subtitle, columns, rows)


def pack_bytes(sheet: Sheet, cards: list[dict], *, title: str, subtitle: str) -> bytes:
    sheets = [_summary_sheet(sheet, cards, title, subtitle)]
    sheets += [_group_sheet(group, cards, title, subtitle) for group in sheet.groups]
    return workbook_bytes(sheets, title=title)


@cache
def circular_rules() -> dict[str, Any]:
    data = tomllib.loads(CIRCULAR_FILE.read_text(encoding="utf-8"))
    for key in ("issuer", "number", "title", "requirements"):
        if key not in data:
            raise ValueError(f"{CIRCULAR_FILE.name}: missing {key}")
    return data


def _period_text(start: date, end: date) -> str:
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


def _overall(rows: list[dict]) -> dict[str, int]:
    keys = ("obligations", "on_time", "late", "missed", "concealed", "false_reports")
    return {key: sum(row[key] or 0 for row in rows) for key in keys}


def circular_bytes(
    *, area: str, start: date, end: date, rows: list[dict], faults: list[dict], today: date,
    seq: int = 1,
) -> bytes:  # fmt: skip
    """The circular for [start, end]: overall figures, units praised and criticised (with
    their 迟报/漏报/谎报/瞒报 and the incidents), then the requirements."""
    rules = circular_rules()
    period = _period_text(start, end)
    doc = OfficialDocument(rules["title"].format(period=period))
    doc.masthead(rules["issuer"], rules["number"].format(year=today.year, seq=seq))
    doc.heading_title()
    total = _overall(rows)
    rate = f"{total['on_time'] / total['obligations']:.1%}" if total["obligations"] else "—"
    doc.paragraph(
        f"{period}，{area}各地各部门应报送突发事件信息{total['obligations']}次，按时报送"
        f"{total['on_time']}次，按时报告率{rate}；迟报{total['late']}次，漏报{total['missed']}次，"
        f"谎报{total['false_reports']}次，瞒报{total['concealed']}次。现将有关情况通报如下。"
    )
    praised = [r for r in rows if r["obligations"] and r["on_time"] == r["obligations"]
               and not (r["concealed"] or r["false_reports"])]  # fmt: skip
    doc.heading("一、表扬的单位")
    doc.paragraph(
        "、".join(r["name"] for r in praised) + "信息报送及时准确，予以通报表扬。"
        if praised
        else "本期无全部按时报送的单位。"
    )
    doc.heading("二、批评的单位")
    by_unit: dict[str, list[dict]] = defaultdict(list)
    for fault in faults:
        by_unit[fault["unit"]].append(fault)
    criticised = [r for r in rows if r["unit"] in by_unit]
    if criticised:
        doc.table(
            ["单位", "迟报", "漏报", "谎报", "瞒报", "涉及事件"],
            [_criticised_row(row, by_unit[row["unit"]]) for row in criticised],
        )
    else:
        doc.paragraph("本期无迟报、漏报、谎报、瞒报的单位。")
    doc.heading("三、工作要求")
    for i, text in enumerate(rules["requirements"], 1):
        doc.paragraph(f"（{_chinese(i)}）{text}")
    doc.signature(rules["issuer"], today)
    doc.imprint(rules.get("printed_by", rules["issuer"]), today).page_numbers()
    return doc.to_bytes()


def _criticised_row(row: dict, faults: list[dict]) -> list[Any]:
    counts = defaultdict(int)
    for fault in faults:
        counts[fault["fault"]] += 1
    incidents = sorted({(f["incident"], f["incident_title"]) for f in faults})
    shown = "；".join(f"#{i} {title}" for i, title in incidents)
    return [row["name"], counts["late"], counts["missed"], counts["false_report"],
            counts["concealed"], shown]  # fmt: skip


def _chinese(n: int) -> str:
    digits = "一二三四五六七八九十"
    return digits[n - 1] if 1 <= n <= 10 else str(n)
