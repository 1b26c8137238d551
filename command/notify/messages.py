"""The words of a notification: a ladder rule's templates filled with the incident, the
report owed, the units and the time left, in the deployment's zone. The acknowledgement
link is put in when the message is sent (it names the delivery)."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Any

from command.notify.ladder import Rule

LINK = "⟨ack⟩"
KINDS = {
    "zh": {"initial": "初报", "followup": "续报{seq}", "final": "终报"},
    "en": {"initial": "initial report", "followup": "follow-up {seq}", "final": "final report"},
}
CHANNELS = {
    "zh": {"phone": "电话", "written": "书面"},
    "en": {"phone": "phone", "written": "written"},
}
EXERCISE = {"zh": "【演练】", "en": "[EXERCISE] "}
SEVERITY = {
    "zh": {"Extreme": "特别严重", "Severe": "严重", "Moderate": "较重", "Minor": "一般"},
    "en": {"Extreme": "extreme", "Severe": "severe", "Moderate": "moderate", "Minor": "minor"},
}
REPEAT = {"zh": "【第{n}次提醒】", "en": "[Reminder {n}] "}
_REPEAT_MARK = re.compile(r"^(【第\d+次提醒】|\[Reminder \d+\] )")


def repeat_subject(subject: str, repeat: int, lang: str) -> str:
    """The subject of the `repeat`-th repeat: "【第2次提醒】…" for the first repeat."""
    return REPEAT[lang].format(n=repeat + 1) + _REPEAT_MARK.sub("", subject)


def report_label(obligation: dict[str, Any], lang: str) -> str:
    kind = KINDS[lang][obligation["kind"]].format(seq=obligation.get("seq") or "")
    channel = CHANNELS[lang].get(obligation.get("channel"), "")
    return f"{kind}（{channel}）" if lang == "zh" else f"{kind} ({channel})"


def severity_label(severity: str | None, lang: str) -> str:
    return SEVERITY[lang].get(severity or "", severity or "")


def local_time(moment: datetime, zone: tzinfo, lang: str) -> str:
    local = moment.astimezone(zone)
    if lang == "zh":
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%b} {local.day} {local:%H:%M}"


def time_left(due: datetime, now: datetime, lang: str) -> str:
    minutes = max(0, round((due - now).total_seconds() / 60))
    hours, rest = divmod(minutes, 60)
    if lang == "zh":
        return f"{hours}小时{rest}分钟" if hours else f"{rest}分钟"
    return f"{hours} h {rest} min" if hours else f"{rest} min"


def render(rule: Rule, lang: str, values: dict[str, Any], exercise: bool) -> tuple[str, str]:
    """Subject and body; `{link}` becomes the marker the sender replaces."""
    values = {**values, "link": LINK}
    subject = getattr(rule.subject, lang).format(**values)
    body = getattr(rule.body, lang).format(**values)
    return (EXERCISE[lang] + subject if exercise else subject), body
