"""A missed initial report stays owed (on the screens, in the handover) for the span
owed.toml gives after its due time; then the screens stop carrying it, while the 漏报 stays
counted and a report arriving later still meets it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from command.deadlines.present import OWED_RULES, is_owed, missed_owed_for, owed_span
from command.deadlines.queries import for_incident, owed_in
from command.units.service import get_unit
from tests.deadlines_fixtures import (
    TOWNSHIP,
    create_incident,
    deadline_app,
    obligations,
    report,
    run_engine,
)

H = timedelta(hours=1)


def _township_initial(found: list[dict]) -> list[dict]:
    return [o for o in found if o["unit"] == TOWNSHIP and o["kind"] == "initial"]


async def _owed_ids(app, code: str) -> set[int]:
    async with app.state.db.read() as session:
        unit = await get_unit(session, code)
        return {row["id"] for row in await owed_in(session, unit.path)}


async def test_a_missed_initial_report_is_owed_for_the_chasing_span_then_not(settings):
    now = datetime.now(UTC).replace(microsecond=0)
    span = missed_owed_for()
    assert span == timedelta(days=30)  # owed.toml
    async with deadline_app(settings) as app:
        recent = await create_incident(app, level="IV", learned_at=now - 5 * H, reported_at=None)
        old_at = now - span - 5 * H
        old = await create_incident(app, level="IV", learned_at=old_at, reported_at=None)
        await run_engine(app, now)
        recent_missed = _township_initial(await obligations(app, recent))
        old_missed = _township_initial(await obligations(app, old))
        assert recent_missed and {o["state"] for o in recent_missed} == {"missed"}
        assert old_missed and {o["state"] for o in old_missed} == {"missed"}
        owed = await _owed_ids(app, TOWNSHIP)
        assert {o["id"] for o in recent_missed} <= owed
        assert not {o["id"] for o in old_missed} & owed
        # The API's view of each obligation says the same as the screens' query.
        async with app.state.db.read() as session:
            views = {v["id"]: v for i in (recent, old) for v in await for_incident(session, i)}
        assert all(views[o["id"]]["owed"] for o in recent_missed)
        assert not any(views[o["id"]]["owed"] for o in old_missed)
        # A report arriving at last still meets the old one: it turns late.
        await report(app, old, TOWNSHIP, now, kind="initial")
        states = {o["state"] for o in _township_initial(await obligations(app, old))}
    assert states == {"late"}


def test_is_owed_by_state_kind_and_age():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    span = missed_owed_for()
    assert is_owed("pending", "followup", now - 2 * span, now)
    assert is_owed("missed", "initial", now - span + H, now)
    assert not is_owed("missed", "initial", now - span - H, now)
    assert is_owed("missed", "final", now - H, now)
    assert not is_owed("missed", "followup", now - H, now)
    assert not is_owed("late", "initial", now - H, now)


def test_the_shipped_owed_rules_parse():
    assert owed_span(OWED_RULES.read_text(encoding="utf-8")) == timedelta(days=30)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "missed_owed_days = 0",
        "missed_owed_days = -3",
        'missed_owed_days = "30"',
        "missed_owed_days = 2.5",
        "missed_owed_days = true",
        "missed_owed_days = [",
    ],
)
def test_a_bad_owed_rule_is_refused_naming_the_file(text):
    with pytest.raises(ValueError, match="owed.toml"):
        owed_span(text)
