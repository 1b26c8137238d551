"""The annual review as a workbook (command/documents/xlsx.py): one sheet per table —
incidents by category, level and month, casualties and losses, reporting, evaluations
and corrective actions. Chinese by default, English with lang=en."""

from __future__ import annotations

from typing import Any

from command.documents.xlsx import Column, Sheet, workbook_bytes
from command.vocabulary import vocabulary

LABELS = {
    "zh": {
        "title": "{unit} {year}年度突发事件总结评估",
        "period": "{unit} · 统计期间 {year}年1月1日至12月31日 · 不含演练",
        "item": "项目",
        "count": "数量",
        "category": "按类别",
        "level": "按级别",
        "month": "按月份",
        "figures": "伤亡和损失",
        "reporting": "信息报送",
        "evaluations": "事后评估",
        "actions": "整改措施",
        "month_name": "{m}月",
        "none": "未定级",
        "total": "合计",
        "dead": "死亡",
        "missing": "失踪",
        "injured": "受伤",
        "affected": "受影响人数",
        "loss": "直接经济损失（万元）",
        "obligations": "应报链路",
        "on_time": "按时",
        "late": "迟报",
        "missed": "漏报",
        "on_time_rate": "按时报告率",
        "due": "应开展评估",
        "not_led_by_city": "上级牵头",
        "submitted": "已提交",
        "accepted": "已通过",
        "overdue": "逾期",
        "open": "未完成",
        "done": "已完成",
        "verified": "已核实",
        "closed": "已办结",
    },
    "en": {
        "title": "{unit} review of the incidents of {year}",
        "period": "{unit} · period 1 Jan to 31 Dec {year} · exercises excluded",
        "item": "Item",
        "count": "Count",
        "category": "By category",
        "level": "By level",
        "month": "By month",
        "figures": "Casualties and losses",
        "reporting": "Reporting",
        "evaluations": "Evaluations",
        "actions": "Corrective actions",
        "month_name": "month {m}",
        "none": "unassessed",
        "total": "total",
        "dead": "dead",
        "missing": "missing",
        "injured": "injured",
        "affected": "affected",
        "loss": "direct loss (10k CNY)",
        "obligations": "reporting links",
        "on_time": "on time",
        "late": "late",
        "missed": "missed",
        "on_time_rate": "on-time rate",
        "due": "evaluations due",
        "not_led_by_city": "led above the city",
        "submitted": "submitted",
        "accepted": "accepted",
        "overdue": "overdue",
        "open": "open",
        "done": "done",
        "verified": "verified",
        "closed": "closed",
    },
}


def _term(group: str, code: str, lang: str) -> str:
    for term in vocabulary()[group]:
        if term["code"] == code:
            return term.get("zh" if lang == "zh" else "en") or code
    return code


def _rows(review: dict[str, Any], lang: str) -> dict[str, list[tuple[str, Any]]]:
    words = LABELS[lang]
    incidents = review["incidents"]
    rate = review["reporting"]["on_time_rate"]
    return {
        "category": [(_term("category", c, lang), n) for c, n in incidents["by_category"].items()],
        "level": [
            (words["none"] if lv == "none" else _term("level", lv, lang), n)
            for lv, n in incidents["by_level"].items()
        ],
        "month": [(words["month_name"].format(m=m), n) for m, n in incidents["by_month"].items()],
        "figures": [(words["total"], incidents["total"])]
        + [(words[k], v) for k, v in incidents["casualties"].items()]
        + [(words["loss"], incidents["loss"])],
        "reporting": [
            (words[k], review["reporting"][k]) for k in ("obligations", "on_time", "late", "missed")
        ]
        + [(words["on_time_rate"], rate)],
        "evaluations": [(words[k], v) for k, v in review["evaluations"].items() if k in words],
        "actions": [(words[k], v) for k, v in review["actions"].items()],
    }


def annual_xlsx(review: dict[str, Any], unit_name: str, lang: str = "zh") -> bytes:
    words = LABELS[lang]
    title = words["title"].format(unit=unit_name, year=review["year"])
    period = words["period"].format(unit=unit_name, year=review["year"])
    columns = (Column(words["item"], 26), Column(words["count"], 16))
    sheets = [
        Sheet(
            name=words[key],
            title=f"{title} · {words[key]}",
            subtitle=period,
            columns=columns,
            rows=rows,
        )
        for key, rows in _rows(review, lang).items()
    ]
    return workbook_bytes(sheets, title=title)
