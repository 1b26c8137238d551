"""The evaluation report (评估报告) as a Word document in the layout offices file
(command/documents/docx.py: GB/T 9704 page, fonts and headings), with its headings in
the order the rules name, and tables for the timeline and the reporting record."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from command.documents.docx import OfficialDocument, chinese_date
from command.reviews.facts import outcome, unit_label
from command.reviews.words import actor_label, chinese_number, event_label, link_label
from command.reviews.words import local_time as _local

HEADINGS = {
    "zh": {
        "title": "关于“{title}”的应急处置评估报告",
        "group": "评估组",
        "course": "事件经过",
        "response": "接报与响应、先期处置",
        "command": "指挥协调",
        "information": "信息报送与发布",
        "plans": "预案使用情况",
        "resources": "队伍、装备、物资",
        "losses": "人员伤亡和损失",
        "conclusion": "评估结论",
        "lessons": "经验教训",
        "recommendations": "意见建议和整改措施",
    },
    "en": {
        "title": "Evaluation report: {title}",
        "group": "Evaluation group",
        "course": "Course of events",
        "response": "Receipt, response and initial handling",
        "command": "Command and coordination",
        "information": "Information reporting and release",
        "plans": "Plans used",
        "resources": "Teams, equipment and supplies",
        "losses": "Casualties and losses",
        "conclusion": "Conclusion",
        "lessons": "Lessons",
        "recommendations": "Recommendations and corrective actions",
    },
}
ORDER = (
    "group",
    "course",
    "response",
    "command",
    "information",
    "plans",
    "resources",
    "losses",
    "conclusion",
    "lessons",
    "recommendations",
)
WORDS = {
    "zh": {
        "lead": "组长",
        "members": "成员",
        "at": "时间",
        "what": "经过",
        "who": "操作人",
        "kind": "报告",
        "unit": "单位",
        "to": "报送对象",
        "due": "时限",
        "met_at": "报送时间",
        "state": "结果",
        "plan": "预案",
        "worked": "是否有效",
        "note": "说明",
        "yes": "是",
        "no": "否",
        "text": "建议",
        "owner": "责任单位",
        "due_at": "完成时限",
        "none": "无",
        "dead": "死亡",
        "missing": "失踪",
        "injured": "受伤",
        "affected": "受影响",
        "loss": "直接经济损失（万元）",
        "met": "按时",
        "late": "迟报",
        "missed": "漏报",
        "pending": "未到期",
        "overdue": "超时未报",
        "issuer": "评估组",
    },
    "en": {
        "lead": "Lead",
        "members": "Members",
        "at": "Time",
        "what": "What",
        "who": "By",
        "kind": "Report",
        "unit": "Unit",
        "to": "To",
        "due": "Due",
        "met_at": "Reported",
        "state": "Outcome",
        "plan": "Plan",
        "worked": "Worked",
        "note": "Note",
        "yes": "yes",
        "no": "no",
        "text": "Recommendation",
        "owner": "Owner",
        "due_at": "Due",
        "none": "none",
        "dead": "dead",
        "missing": "missing",
        "injured": "injured",
        "affected": "affected",
        "loss": "direct loss (10k CNY)",
        "met": "on time",
        "late": "late",
        "missed": "missed",
        "pending": "not yet due",
        "overdue": "overdue, not reported",
        "issuer": "Evaluation group",
    },
}


def _heading(lang: str, index: int, key: str) -> str:
    text = HEADINGS[lang][key]
    return f"{chinese_number(index + 1)}、{text}" if lang == "zh" else f"{index + 1}. {text}"


def _texts(doc: OfficialDocument, text: str, words: dict[str, str]) -> None:
    paragraphs = [p.strip() for p in (text or "").splitlines() if p.strip()]
    for paragraph in paragraphs or [words["none"]]:
        doc.paragraph(paragraph)


class _Writer:
    def __init__(self, view: dict[str, Any], zone: ZoneInfo, lang: str):
        self.view, self.zone, self.lang = view, zone, lang
        self.words = WORDS[lang]
        self.facts = view.get("facts") or {}
        self.names = view.get("names") or {}
        self.plans = self.names.get("plans") or {}

    def unit(self, code: str) -> str:
        return unit_label(code, self.names, self.lang)

    def plan(self, plan_id: int) -> str:
        return self.plans.get(str(plan_id), f"#{plan_id}")

    def group(self, doc: OfficialDocument) -> None:
        group = self.view["group"] or {}
        members = "、" if self.lang == "zh" else ", "
        doc.paragraph(f"{self.words['lead']}：{group.get('lead') or self.words['none']}")
        names = members.join(group.get("members") or []) or self.words["none"]
        doc.paragraph(f"{self.words['members']}：{names}")

    def course(self, doc: OfficialDocument) -> None:
        _texts(doc, self.view["sections"].get("course", ""), self.words)
        actors = self.names.get("actors") or {}
        rows = [
            (
                _local(item["at"], self.zone),
                event_label(item, self.lang),
                actor_label(item.get("actor"), actors, self.lang),
            )
            for item in self.facts.get("timeline", [])
        ]
        if rows:
            doc.table([self.words["at"], self.words["what"], self.words["who"]], rows)

    def information(self, doc: OfficialDocument) -> None:
        _texts(doc, self.view["sections"].get("information", ""), self.words)
        rows = [
            (
                link_label(ob, self.lang),
                self.unit(ob["unit"]),
                self.unit(ob["to_unit"]),
                _local(ob["due_at"], self.zone),
                _local(ob.get("met_at"), self.zone),
                self.words.get(outcome(ob), ob["state"]),
            )
            for ob in self.facts.get("reporting", {}).get("obligations", [])
        ]
        if rows:
            headers = ["kind", "unit", "to", "due", "met_at", "state"]
            doc.table([self.words[h] for h in headers], rows)

    def plans_used(self, doc: OfficialDocument) -> None:
        used = self.view["plans"] or []
        if not used:
            doc.paragraph(self.words["none"])
            return
        worked = {True: self.words["yes"], False: self.words["no"], None: "—"}
        rows = [(self.plan(p["plan"]), worked[p.get("worked")], p.get("note", "")) for p in used]
        doc.table([self.words["plan"], self.words["worked"], self.words["note"]], rows)

    def losses(self, doc: OfficialDocument) -> None:
        _texts(doc, self.view["sections"].get("losses", ""), self.words)
        incident = self.facts.get("incident") or {}
        casualties = incident.get("casualties") or {}
        names = ("dead", "missing", "injured", "affected", "loss")
        values = [
            casualties.get("dead"),
            casualties.get("missing"),
            casualties.get("injured"),
            incident.get("affected"),
            incident.get("loss"),
        ]
        doc.table([self.words[n] for n in names], [values])

    def recommendations(self, doc: OfficialDocument) -> None:
        items = self.view["recommendations"] or []
        if not items:
            doc.paragraph(self.words["none"])
            return
        rows = [
            (
                r["text"],
                self.unit(r["unit"]),
                _local(r["due_at"], self.zone),
                self.plan(r["plan"]) if r.get("plan") else "",
            )
            for r in items
        ]
        doc.table(
            [self.words["text"], self.words["owner"], self.words["due_at"], self.words["plan"]],
            rows,
        )

    def section(self, doc: OfficialDocument, key: str) -> None:
        special = {
            "group": self.group,
            "course": self.course,
            "information": self.information,
            "plans": self.plans_used,
            "losses": self.losses,
            "recommendations": self.recommendations,
        }
        if key in special:
            special[key](doc)
        else:
            _texts(doc, self.view["sections"].get(key, ""), self.words)


def report_docx(view: dict[str, Any], *, zone: ZoneInfo, lang: str = "zh") -> bytes:
    """`view`: an evaluation with its facts and names (evaluations.detail)."""
    title = HEADINGS[lang]["title"].format(title=view["incident_title"])
    doc = OfficialDocument(title).heading_title()
    writer = _Writer(view, zone, lang)
    for index, key in enumerate(ORDER):
        doc.heading(_heading(lang, index, key))
        writer.section(doc, key)
    day = datetime.fromisoformat(view["submitted_at"] or view["updated_at"]).astimezone(zone).date()
    doc.signature(WORDS[lang]["issuer"], day) if lang == "zh" else doc.paragraph(str(day))
    return doc.to_bytes()


__all__ = ["chinese_date", "report_docx"]
