"""Indicator sheet files: parsing and checking them, every problem with its line.

A problem reads `file:line: where: reason`, e.g.
`county.toml:42: group system: indicators add up to 14, the group has 15 points`.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from command.assessment.catalogue import CATALOGUE
from command.assessment.sheet import (
    LATE_RULES,
    STEPS,
    Band,
    Cycle,
    Grade,
    Group,
    Indicator,
    Scoring,
    Sheet,
    SheetError,
    Step,
)
from command.units.models import KINDS, TIERS

TOP_KEYS = {"name", "title", "title_en", "total", "sources", "applies_to", "grade", "year", "cycle",
            "group"}  # fmt: skip
GROUP_KEYS = {"key", "title", "title_en", "points", "indicator"}
INDICATOR_KEYS = {
    "key", "title", "title_en", "points", "metric", "scoring", "per", "floor", "bands",
    "evidence", "criteria", "target",
}  # fmt: skip
GRADE_KEYS = {"code", "label", "label_en", "from", "to"}
CYCLE_DATES = ("self_assessment_by", "report_by", "inspection_by", "approval_by")
STEP_KEYS = {"due", "opens_after", "late", "requires", "override"}
REQUIREMENTS = ("submitted",)
EVIDENCE_TYPES = ("pdf", "docx", "image")
METHODS = {"count": ("deduct",), "share": ("bands", "proportional"), "tally": ("target",)}


class _Locator:
    """Finds the line of a key inside the block of `key = "…"` declarations."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def _key_line(self, keys: list[str], start: int = 0) -> int | None:
        found = None
        for key in keys:
            pattern = re.compile(
                rf"""^\s*(key|code|year)\s*=\s*["']?{re.escape(key)}["']?\s*(#.*)?$"""
            )
            found = next(
                (i for i in range(start, len(self.lines)) if pattern.match(self.lines[i])), None
            )
            if found is None:
                return None
            start = found + 1
        return found

    def line(self, keys: list[str], field: str | None = None, needle: str = "") -> int:
        at = self._key_line(keys) if keys else 0
        if at is None:
            return 1
        if not keys and field is not None and (header := self._header(field)) is not None:
            return header + 1
        if field is None:
            return at + 1
        block_start = at
        while block_start > 0 and not self.lines[block_start].lstrip().startswith("["):
            block_start -= 1
        pattern = re.compile(rf"^\s*{re.escape(field)}\s*=")
        for i in range(block_start if keys else 0, len(self.lines)):
            if i > at and self.lines[i].lstrip().startswith("["):
                break
            if pattern.match(self.lines[i]):
                return self._needle(i, needle) + 1
        return at + 1

    def table(self, header: str, field: str | None = None) -> int:
        """The line of `field` in the `[header]` table (the header's own line without one)."""
        at = next((i for i, t in enumerate(self.lines) if t.strip() == f"[{header}]"), None)
        if at is None:
            return 1
        pattern = re.compile(rf"^\s*{re.escape(field)}\s*=") if field else None
        for i in range(at + 1, len(self.lines)):
            if self.lines[i].lstrip().startswith("["):
                break
            if pattern and pattern.match(self.lines[i]):
                return i + 1
        return at + 1

    def _header(self, name: str) -> int | None:
        """The first `[[name]]` header, for problems about all the tables of that name."""
        return next((i for i, text in enumerate(self.lines) if text.strip() == f"[[{name}]]"), None)

    def _needle(self, start: int, needle: str) -> int:
        """The first line from `start` holding `needle`, inside the same block."""
        if not needle:
            return start
        for i in range(start, len(self.lines)):
            if i > start and self.lines[i].lstrip().startswith("["):
                break
            if needle in self.lines[i].replace(" ", ""):
                return i
        return start


class _Check:
    def __init__(self, text: str) -> None:
        self.where = _Locator(text)
        self.problems: list[tuple[int, str, str]] = []

    def fail(
        self, keys: list[str], field: str | None, what: str, reason: str, needle: str = ""
    ) -> None:
        self.problems.append((self.where.line(keys, field, needle), what, reason))

    def unknown(self, table: dict, allowed: set[str], keys: list[str], what: str) -> None:
        for name in sorted(set(table) - allowed):
            self.fail(
                keys, name, what, f"unknown key {name!r} (allowed: {', '.join(sorted(allowed))})"
            )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _text(table: dict, name: str, check: _Check, keys: list[str], what: str) -> str:
    value = table.get(name)
    if not isinstance(value, str) or not value.strip():
        check.fail(keys, name, what, f"{name} missing: give a text")
        return ""
    return value


def _points(table: dict, check: _Check, keys: list[str], what: str) -> float:
    value = _number(table.get("points"))
    if value is None or value <= 0:
        check.fail(keys, "points", what, "points must be a number above 0")
        return 0.0
    return value


def _bands(raw: Any, points: float, check: _Check, keys: list[str], what: str) -> tuple[Band, ...]:
    if not isinstance(raw, list) or not raw:
        check.fail(keys, "bands", what, "bands must be a list of {from, to, points}")
        return ()
    bands = []
    for item in raw:
        low, high = _number(item.get("from")), _number(item.get("to"))
        score = _number(item.get("points"))
        if None in (low, high, score) or not 0 <= low < high <= 1:
            check.fail(
                keys,
                "bands",
                what,
                f"band {item}: from < to, both between 0 and 1, points a number",
            )
            continue
        if score < 0 or score > points:
            check.fail(
                keys, "bands", what, f"band {item}: points beyond the indicator's {points:g}"
            )
        bands.append(Band(low, high, score))
    bands.sort(key=lambda b: b.low)
    for before, after in zip(bands, bands[1:], strict=False):
        if after.low < before.high:
            check.fail(
                keys, "bands", what,
                f"bands overlap: {before.low:g}–{before.high:g} and {after.low:g}–{after.high:g}",
                needle=f"from={before.low:g},to={before.high:g}",
            )  # fmt: skip
    return tuple(bands)


def _per(raw: Any, counts: tuple[str, ...], check: _Check, keys: list[str], what: str) -> dict:
    if not isinstance(raw, dict) or not raw:
        check.fail(keys, "per", what, f"per must name points off for {', '.join(counts)}")
        return {}
    per = {}
    for name, value in raw.items():
        if name not in counts:
            check.fail(keys, "per", what, f"unknown count {name!r} (counts: {', '.join(counts)})")
        elif (number := _number(value)) is None or number <= 0:
            check.fail(keys, "per", what, f"{name}: points off must be a number above 0")
        else:
            per[name] = number
    return per


def _scoring(table: dict, points: float, check: _Check, keys: list[str], what: str) -> Scoring:
    metric = table.get("metric")
    if metric is None:
        return Scoring("manual")
    spec = CATALOGUE.get(metric)
    if spec is None:
        check.fail(
            keys,
            "metric",
            what,
            f"unknown metric {metric!r} (known: {', '.join(sorted(CATALOGUE))})",
        )
        return Scoring("manual")
    method = table.get("scoring", METHODS[spec.kind][0])
    if method not in METHODS[spec.kind]:
        allowed = ", ".join(METHODS[spec.kind])
        check.fail(keys, "scoring", what, f"{metric} is scored by {allowed}, not {method!r}")
        return Scoring("manual")
    if method == "deduct":
        per = _per(table.get("per"), spec.counts, check, keys, what)
        return Scoring("deduct", per=per, floor=_number(table.get("floor", 0)) or 0.0)
    if method == "bands":
        return Scoring("bands", bands=_bands(table.get("bands"), points, check, keys, what))
    if method == "target":
        target = _number(table.get("target"))
        if target is None or target <= 0:
            check.fail(
                keys, "target", what, "target must be a number above 0 (how many earn full points)"
            )
            target = 1.0
        return Scoring("target", target=target)
    return Scoring("proportional")


def _indicator(table: dict, group: str, check: _Check) -> Indicator:
    key = str(table.get("key", "?"))
    keys, what = [group, key], f"indicator {key}"
    check.unknown(table, INDICATOR_KEYS, keys, what)
    points = _points(table, check, keys, what)
    evidence = table.get("evidence", [] if "metric" in table else ["pdf"])
    if not isinstance(evidence, list) or any(e not in EVIDENCE_TYPES for e in evidence):
        check.fail(keys, "evidence", what, f"evidence types are {', '.join(EVIDENCE_TYPES)}")
        evidence = []
    return Indicator(
        key=key,
        title=_text(table, "title", check, keys, what),
        title_en=str(table.get("title_en", "")),
        points=points,
        metric=table.get("metric") if table.get("metric") in CATALOGUE else None,
        scoring=_scoring(table, points, check, keys, what),
        evidence=tuple(evidence),
        criteria=str(table.get("criteria", "")),
    )


def _group(table: dict, check: _Check) -> Group:
    key = str(table.get("key", "?"))
    what = f"group {key}"
    check.unknown(table, GROUP_KEYS, [key], what)
    points = _points(table, check, [key], what)
    raw = table.get("indicator")
    if not isinstance(raw, list) or not raw:
        check.fail([key], None, what, "a group needs at least one [[group.indicator]]")
        raw = []
    indicators = tuple(_indicator(item, key, check) for item in raw)
    summed = sum(ind.points for ind in indicators)
    if indicators and abs(summed - points) > 1e-9:
        check.fail(
            [key],
            "points",
            what,
            f"indicators add up to {summed:g}, the group has {points:g} points",
        )
    return Group(
        key,
        _text(table, "title", check, [key], what),
        str(table.get("title_en", "")),
        points,
        indicators,
    )


def _grades(raw: Any, total: float, check: _Check) -> tuple[Grade, ...]:
    if not isinstance(raw, list) or not raw:
        check.fail([], "grade", "grades", "at least one [[grade]] is required")
        return ()
    grades = []
    for item in raw:
        code = str(item.get("code", "?"))
        check.unknown(item, GRADE_KEYS, [code], f"grade {code}")
        low, high = _number(item.get("from")), _number(item.get("to"))
        if low is None or high is None or not 0 <= low < high <= total:
            check.fail([code], "from", f"grade {code}", f"from < to, both between 0 and {total:g}")
            continue
        label = _text(item, "label", check, [code], f"grade {code}")
        grades.append(Grade(code, label, str(item.get("label_en", label)), low, high))
    grades.sort(key=lambda g: g.low)
    for before, after in zip(grades, grades[1:], strict=False):
        if after.low < before.high:
            check.fail([after.code], "from", f"grade {after.code}", f"overlaps grade {before.code}")
        elif after.low > before.high:
            check.fail(
                [after.code], "from", f"grade {after.code}", f"gap after grade {before.code}"
            )
    if grades and (grades[0].low != 0 or grades[-1].high != total):
        check.fail([], "grade", "grades", f"grades must cover 0 to {total:g}")
    return tuple(reversed(grades))


def _cycles(raw: Any, check: _Check) -> tuple[Cycle, ...]:
    """Each year's dates: all present, strictly in order (self-assessment, report,
    inspection, approval), the first three inside the year, the approval inside it or the
    next (a January approval closes the year before)."""
    cycles, seen = [], set()
    for item in raw if isinstance(raw, list) else []:
        year = item.get("year")
        keys, what = [str(year)], f"year {year}"
        check.unknown(item, {"year", *CYCLE_DATES}, keys, what)
        dates = [item.get(name) for name in CYCLE_DATES]
        if not isinstance(year, int) or not all(isinstance(d, date) for d in dates):
            check.fail(keys, None, what, f"a year needs year and dates {', '.join(CYCLE_DATES)}")
            continue
        if year in seen:
            check.fail(keys, None, what, "the year is given twice")
        seen.add(year)
        for i, (name, day) in enumerate(zip(CYCLE_DATES, dates, strict=True)):
            last = year + 1 if name == "approval_by" else year
            if not year <= day.year <= last:
                inside = f"{year} or {year + 1}" if last > year else str(year)
                check.fail(keys, name, what, f"{name} {day} is not inside {inside}")
            elif i and day <= dates[i - 1]:
                check.fail(
                    keys, name, what,
                    f"{name} {day} is not after {CYCLE_DATES[i - 1]} {dates[i - 1]} (dates run "
                    "self-assessment, report, inspection, approval)",
                )  # fmt: skip
        cycles.append(Cycle(year, *dates))
    return tuple(cycles)


def _steps(raw: Any, check: _Check) -> tuple[Step, ...]:
    """The rules of the cycle's dates, `[cycle.<step>]` for each step."""
    table = raw if isinstance(raw, dict) else {}
    if not table:
        check.fail([], None, "cycle", f"give the rules of the dates: [cycle.{'], ['.join(STEPS)}]")
        return ()
    for name in sorted(set(table) - set(STEPS)):
        line = check.where.table(f"cycle.{name}")
        check.problems.append((line, "cycle", f"unknown step {name!r} ({', '.join(STEPS)})"))
    steps = []
    for name in STEPS:
        rule = table.get(name)
        header = f"cycle.{name}"
        where = f"cycle.{name}"

        def fail(field: str | None, reason: str, header: str = header, where: str = where):
            check.problems.append((check.where.table(header, field), where, reason))

        if not isinstance(rule, dict):
            fail(None, f"the step {name} needs its [cycle.{name}] table")
            continue
        for key in sorted(set(rule) - STEP_KEYS):
            fail(key, f"unknown key {key!r} (allowed: {', '.join(sorted(STEP_KEYS))})")
        due, opens = rule.get("due"), rule.get("opens_after")
        late, requires = rule.get("late", "accept"), rule.get("requires")
        override = rule.get("override", False)
        if due not in CYCLE_DATES:
            fail("due", f"due names one of {', '.join(CYCLE_DATES)}")
        if opens is not None and opens not in CYCLE_DATES:
            fail("opens_after", f"opens_after names one of {', '.join(CYCLE_DATES)}")
        elif opens is not None and due in CYCLE_DATES:
            if CYCLE_DATES.index(opens) >= CYCLE_DATES.index(due):
                fail("opens_after", f"the step opens after {opens}, so it cannot be due by {due}")
        if late not in LATE_RULES:
            fail("late", f"late is one of {', '.join(LATE_RULES)}")
        if requires is not None and requires not in REQUIREMENTS:
            fail("requires", f"requires is one of {', '.join(REQUIREMENTS)}")
        if not isinstance(override, bool):
            fail("override", "override is true or false")
        elif override and name == "self_assessment":
            fail("override", "only the inspector's steps (inspection, approval) take an override")
        steps.append(Step(name, str(due), opens, str(late), requires, bool(override)))
    return tuple(steps)


def _applies_to(raw: Any, check: _Check) -> tuple[tuple[str, ...], tuple[str, ...]]:
    table = raw if isinstance(raw, dict) else {}
    kinds, tiers = table.get("kinds", []), table.get("tiers", [])
    if not kinds or any(k not in KINDS for k in kinds) or any(t not in TIERS for t in tiers):
        check.fail(
            [],
            "applies_to",
            "applies_to",
            f"kinds among {', '.join(KINDS)}; tiers among {', '.join(TIERS)}",
        )
    return tuple(kinds), tuple(tiers)


def parse_sheet(text: str, *, file: str) -> Sheet:
    """A checked sheet from TOML text; SheetError lists every problem with its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or int(
            (re.search(r"line (\d+)", str(exc)) or [0, 1])[1]
        )
        raise SheetError(file, [(line, "(file)", f"not valid TOML ({exc})")]) from None
    check = _Check(text)
    check.unknown(data, TOP_KEYS, [], "(top level)")
    name = _text(data, "name", check, [], "(top level)")
    total = _number(data.get("total")) or 0.0
    groups = tuple(_group(item, check) for item in data.get("group", []))
    summed = sum(group.points for group in groups)
    if not groups or abs(summed - total) > 1e-9:
        check.fail(
            [],
            "total",
            "(top level)",
            f"groups add up to {summed:g}, the sheet's total is {total:g}",
        )
    keys = [ind.key for group in groups for ind in group.indicators]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        check.fail([], None, f"indicator {key}", "indicator keys must be unique in the sheet")
    kinds, tiers = _applies_to(data.get("applies_to"), check)
    grades = _grades(data.get("grade"), total, check)
    cycles = _cycles(data.get("year"), check)
    steps = _steps(data.get("cycle"), check)
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not sources:
        check.fail([], "sources", "(top level)", "name the published sheets this one follows")
    if check.problems:
        raise SheetError(file, sorted(check.problems))
    return Sheet(
        name=name,
        title=_text(data, "title", check, [], "(top level)"),
        title_en=str(data.get("title_en", "")),
        file=file,
        total=total,
        kinds=kinds,
        tiers=tiers,
        sources=tuple(sources),
        groups=groups,
        grades=grades,
        cycles=cycles,
        steps=steps,
    )


def shipped_paths() -> list[Path]:
    folder = Path(str(resources.files("command.assessment") / "sheets"))
    return sorted(folder.glob("*.toml"))


@lru_cache(maxsize=32)
def _load(path: str, _mtime_ns: int) -> Sheet:
    return parse_sheet(Path(path).read_text(encoding="utf-8"), file=path)


def load_sheet(path: Path) -> Sheet:
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise SheetError(
            str(path), [(1, "(file)", f"cannot read the file ({exc.strerror})")]
        ) from None
    return _load(str(path), mtime)


def shipped_sheets() -> list[Sheet]:
    return [load_sheet(path) for path in shipped_paths()]
