"""The words the evaluation's texts and its report use for what the system records: a
reporting link (初报（电话）, 续报二（书面）), an entry of the incident's history, a
length of time. Chinese as offices write it; English for the English report."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from command.vocabulary import name

NUMERALS = "一二三四五六七八九十"
KINDS = {
    "zh": {"initial": "初报", "followup": "续报{seq}", "final": "终报"},
    "en": {"initial": "Initial report", "followup": "Follow-up {seq}", "final": "Final report"},
}
CHANNELS = {
    "zh": {"phone": "电话", "written": "书面"},
    "en": {"phone": "phone", "written": "written"},
}
EVENTS = {
    "zh": {
        "incident.created": "登记事件（初报）",
        "report.received": "收到报告",
        "incident.level_changed": "调整级别",
        "incident.status_changed": "变更状态",
        "incident.updated": "更正事实",
        "incident.acknowledged": "签收",
        "instruction.given": "登记领导批示",
        "instruction.feedback": "落实情况反馈",
        "instruction.done": "批示落实完毕",
        "warning.promoted": "由预警转为事件",
    },
    "en": {
        "incident.created": "Logged (initial report)",
        "report.received": "Report received",
        "incident.level_changed": "Level changed",
        "incident.status_changed": "Status changed",
        "incident.updated": "Facts corrected",
        "incident.acknowledged": "Acknowledged",
        "instruction.given": "Instruction logged",
        "instruction.feedback": "Feedback",
        "instruction.done": "Instruction done",
        "warning.promoted": "Promoted from a warning",
    },
}
OTHER = {"zh": "其他变更", "en": "Other change"}
SYSTEM = {"zh": "系统", "en": "the system"}


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十 (up to 99; digits beyond)."""
    if n < 1 or n > 99:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return NUMERALS[ones - 1]
    head = "" if tens == 1 else NUMERALS[tens - 1]
    return f"{head}十{NUMERALS[ones - 1] if ones else ''}"


def link_label(obligation: dict[str, Any], lang: str = "zh") -> str:
    """初报（电话）, 续报二（书面）; Initial report (phone), Follow-up 2 (written)."""
    seq = obligation.get("seq") or 1
    shown = chinese_number(seq) if lang == "zh" else str(seq)
    kind = KINDS[lang].get(obligation["kind"], obligation["kind"]).format(seq=shown)
    channel = CHANNELS[lang].get(obligation.get("channel") or "", obligation.get("channel") or "")
    return f"{kind}（{channel}）" if lang == "zh" else f"{kind} ({channel})"


def event_label(entry: dict[str, Any], lang: str = "zh") -> str:
    """An entry of the incident's history in words, with the status or level it set."""
    text = EVENTS[lang].get(entry.get("kind", ""), OTHER[lang])
    changes = entry.get("changes") or {}
    for field in ("status", "level"):
        change = changes.get(field)
        if isinstance(change, dict) and "to" in change:
            before = name(field, change.get("from"), lang) if change.get("from") else "—"
            after = name(field, change["to"], lang) if change["to"] else "—"
            text += f"：{before} → {after}" if lang == "zh" else f": {before} → {after}"
    return text


def actor_label(subject: str | None, actors: dict[str, str], lang: str = "zh") -> str:
    """Who did it by the name they go by; the system as such; else the subject itself."""
    if not subject:
        return ""
    if subject == "system" or subject.startswith("system:"):
        return SYSTEM[lang]
    return actors.get(subject, subject)


def duration(span: timedelta, lang: str = "zh") -> str:
    minutes = max(0, round(span.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if lang == "zh":
        parts = [f"{days}天" if days else "", f"{hours}小时" if hours else ""]
        return "".join(parts) + (f"{minutes}分钟" if minutes or not any(parts) else "")
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else ""]
    parts.append(f"{minutes} min" if minutes or not any(parts) else "")
    return " ".join(p for p in parts if p)


def local_time(value: str | datetime | None, zone: tzinfo) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
