"""`watchfloor assessment check FILE… | --shipped`: check indicator sheets before use."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from command.assessment.sheet import Sheet, SheetError
from command.assessment.sheetfile import parse_sheet, shipped_paths


def _summary(sheet: Sheet) -> str:
    computed = sum(1 for _, ind in sheet.indicators() if not ind.manual)
    grades = ", ".join(f"{g.label} ≥ {g.low:g}" for g in sheet.grades)
    years = ", ".join(str(c.year) for c in sheet.cycles) or "none"
    steps = ", ".join(
        f"{s.name} by {s.due}"
        + (f" after {s.opens_after}" if s.opens_after else "")
        + f" (late: {s.late}{', needs submitted' if s.requires else ''}"
        + f"{', override' if s.override else ''})"
        for s in sheet.steps
    )
    return (
        f"sheet {sheet.name!r}, {sheet.total:g} points in {len(sheet.groups)} group(s), "
        f"{len(sheet.indicators())} indicator(s) ({computed} computed); grades {grades}; "
        f"years {years}; steps {steps}"
    )


def _check(path: Path) -> bool:
    try:
        sheet = parse_sheet(path.read_text(encoding="utf-8"), file=str(path))
    except OSError as exc:
        print(f"{path}:1: (file): cannot read the file ({exc.strerror})", file=sys.stderr)
        return False
    except SheetError as exc:
        print(str(exc), file=sys.stderr)
        return False
    print(f"{path}: ok: {_summary(sheet)}")
    return True


def cmd_check(_settings: Any, args: argparse.Namespace) -> int:
    paths = [Path(name) for name in args.files] + (shipped_paths() if args.shipped else [])
    if not paths:
        print("name a sheet file, or --shipped", file=sys.stderr)
        return 2
    results = [_check(path) for path in paths]
    return 0 if all(results) else 1


def register(sub: Any) -> None:
    assessment = sub.add_parser("assessment", help="year-end assessment sheets").add_subparsers(
        dest="action", required=True
    )
    check = assessment.add_parser(
        "check", help="check indicator sheet files; errors name the file, line and reason"
    )
    check.add_argument("files", nargs="*", metavar="FILE")
    check.add_argument("--shipped", action="store_true", help="check the sheets shipped")
    check.set_defaults(func=cmd_check)
