"""The duty log (值班日志) of a shift as offices file it: a workbook with a title row, the
shift's period and people, then a bold, frozen, filtered header and one row an entry (时间,
事项, 内容, 事件, 经办人), every cell text so that nothing becomes a formula (the core's
workbook builder)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from command.documents.xlsx import Column, Sheet, workbook_bytes

COLUMNS = (("时间", 18), ("事项", 14), ("内容", 70), ("事件", 30), ("经办人", 16))
KINDS = {
    "shift.signed_in": "签到",
    "shift.absent": "缺岗",
    "call.registered": "来电来文",
    "handover.given": "交班",
    "handover.accepted": "接班",
    "incident.created": "登记事件",
    "incident.acknowledged": "签收",
    "incident.level_changed": "定级",
    "incident.status_changed": "状态变更",
    "incident.updated": "核实信息",
    "report.received": "接报",
    "report.corrected": "更正报告",
    "instruction.given": "领导批示",
    "instruction.feedback": "落实反馈",
    "instruction.done": "批示办结",
    "verdict.decided": "瞒报认定",
    "verdict.recorded": "报送认定",
    "warning.promoted": "预警转事件",
    "notification.acknowledged": "确认提醒",
}


def _local(value: str, zone: tzinfo) -> str:
    return datetime.fromisoformat(value).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _changes(changes: dict[str, Any]) -> str:
    return "；".join(
        f"{name}：{c.get('from') or '—'} → {c.get('to')}" for name, c in changes.items()
    )


def describe(entry: dict[str, Any]) -> str:
    """The entry's content in words (Chinese, as the office files it)."""
    detail, kind = entry["detail"], entry["kind"]
    if kind == "shift.signed_in":
        return f"{detail['name']} 签到"
    if kind == "shift.absent":
        return f"开班后 {detail['minutes']} 分钟内无人签到"
    if kind == "call.registered":
        call = detail["call"]
        caller = " ".join(
            p for p in (call["caller_unit"], call["caller_name"], call["caller_phone"]) if p
        )
        parts = [caller, call["content"], call["actions"] and f"处理：{call['actions']}"]
        return "；".join(p for p in parts if p)
    if kind.startswith("handover."):
        handover = detail["handover"]
        items = handover["open_items"]
        listed = "，".join(
            f"{name} {len(items.get(name, []))}"
            for name in ("incidents", "obligations", "instructions", "warnings")
        )
        return f"{handover['note'] or '（无留言）'}（{listed}）"
    if kind == "incident.created" and detail.get("summary"):
        return detail["summary"]
    if "instruction" in detail:
        instruction = detail["instruction"]
        if feedback := detail.get("feedback"):
            return f"{feedback.get('unit_name', '')}：{feedback.get('text', '')}"
        return f"{instruction.get('by', '')}：{instruction.get('text', '')}"
    if "changes" in detail:
        return _changes(detail["changes"])
    if "notification" in detail:
        return detail["notification"].get("subject") or ""
    if "verdict" in detail:
        verdict = detail["verdict"]
        return " ".join(
            str(v) for v in (verdict.get("kind"), verdict.get("state"), verdict.get("reason")) if v
        )
    return ""


def write_log(log: dict[str, Any], zone: tzinfo) -> bytes:
    """The log in the core's office layout (command/documents): title, the shift's period
    and people, then the bold frozen filtered header and one text row an entry."""
    shift = log["shift"]
    officers = "、".join(officer["name"] for officer in shift["officers"])
    period = (
        f"班次：{_local(shift['starts_at'], zone)} 至 {_local(shift['ends_at'], zone)}　"
        f"带班领导：{shift['leader']['name']}　值班员：{officers}　"
        f"值班电话：{shift['line'] or '—'}"
    )
    rows = [
        [
            _local(entry["at"], zone),
            KINDS.get(entry["kind"], entry["kind"]),
            describe(entry),
            entry["incident_title"] or (f"#{entry['incident']}" if entry["incident"] else ""),
            entry["actor_name"] or "系统",
        ]
        for entry in log["entries"]
    ]
    title = f"{shift['unit_name']}值班日志"
    sheet = Sheet(
        name="值班日志",
        title=title,
        subtitle=period,
        columns=[Column(header, width) for header, width in COLUMNS],
        rows=rows,
    )
    return workbook_bytes([sheet], title=title)
