"""A fixture year for the assessment: records of 爱辉区 (231102) in 2025 written with the
ORM, each kind the scorecard counts, plus records it must leave out (another county, an
exercise, the year before, a candidate verdict, work done on time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from command.deadlines.models import Obligation, Verdict
from command.desk.models import Instruction, InstructionUnit
from command.duty.models import Shift, SignIn
from command.incidents.models import Incident
from command.units.models import Unit
from plans.models import Drill, DrillPlan, Plan

COUNTY, OTHER_COUNTY, CITY = "231102", "231123", "231100"
TOWNSHIP, VILLAGE = "231102003", "231102003001"
YEAR = 2025


def at(month: int, day: int, hour: int = 2, year: int = YEAR) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def units(session) -> dict[str, Unit]:
    rows = await session.scalars(select(Unit))
    return {unit.code: unit for unit in rows}


async def incident(session, unit: Unit, learned: datetime, *, exercise: bool = False) -> int:
    row = Incident(
        title=f"{unit.name}山体滑坡",
        category="natural",
        type="landslide",
        level="IV",
        source="field",
        occurred_at=learned - timedelta(minutes=5),
        learned_at=learned,
        received_at=learned,
        updated_at=learned,
        unit_id=unit.id,
        unit_path=unit.path,
        geometry={"type": "Point", "coordinates": [127.5, 50.2]},
        lon=127.5,
        lat=50.2,
        exercise=exercise,
        summary="道路中断",
        created_by="test",
    )
    session.add(row)
    await session.flush()
    return row.id


async def obligation(session, incident_id: int, unit: Unit, to: Unit, due: datetime, state: str,
                     *, exercise: bool = False) -> int:  # fmt: skip
    row = Obligation(
        incident_id=incident_id,
        unit_id=unit.id,
        unit_path=unit.path,
        to_unit_id=to.id,
        kind="initial",
        channel="written",
        rule="test",
        level="IV",
        link=f"{unit.tier}>{to.tier}",
        starts_at=due - timedelta(hours=1),
        due_at=due,
        warn_at=due - timedelta(minutes=30),
        miss_at=due + timedelta(hours=1),
        state=state,
        met_at=due + timedelta(minutes=20) if state == "late" else due if state == "met" else None,
        exercise=exercise,
    )
    session.add(row)
    await session.flush()
    return row.id


async def verdict(session, incident_id: int, unit: Unit, kind: str, state: str) -> int:
    row = Verdict(
        incident_id=incident_id, unit_id=unit.id, unit_path=unit.path, kind=kind, state=state,
        reason="核实", flagged_by="test",
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return row.id


async def shift(session, unit: Unit, start: datetime, *, signed: bool) -> int:
    row = Shift(
        unit_id=unit.id, unit_path=unit.path, starts_at=start, ends_at=start + timedelta(hours=24),
        leader_name="李明", officers=[{"name": "王强"}], created_by="test",
    )  # fmt: skip
    session.add(row)
    await session.flush()
    if signed:
        session.add(SignIn(shift_id=row.id, name="李明", by="test", at=start))
    return row.id


async def instruction(session, incident_id: int, unit: Unit, due: datetime,
                      done: datetime | None) -> int:  # fmt: skip
    row = Instruction(
        incident_id=incident_id, unit_path=unit.path, given_by="市长",
        given_at=due - timedelta(days=1),
        text="立即核实上报", due_at=due, state="done" if done else "open", logged_by="test",
        done_at=done,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    session.add(InstructionUnit(instruction_id=row.id, unit_id=unit.id, unit_path=unit.path,
                                done_at=done))  # fmt: skip
    return row.id


async def plan(session, unit: Unit, kind: str, title: str) -> int:
    row = Plan(
        title=title, type=kind, unit_id=unit.id, unit_path=unit.path, status="in_force",
        version=1, in_force_since=date(2024, 3, 1), created_by="test",
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return row.id


async def drill(session, organizer: Unit, plan_ids: list[int], start: datetime, status: str) -> int:
    row = Drill(
        title="防汛演练", form="tabletop", scope="single", purpose="test",
        organizer_id=organizer.id, organizer_path=organizer.path, starts_at=start,
        ends_at=start + timedelta(hours=2), series_ends_at=start + timedelta(hours=2),
        status=status, created_by="test",
    )  # fmt: skip
    session.add(row)
    await session.flush()
    for plan_id in plan_ids:
        session.add(DrillPlan(drill_id=row.id, plan_id=plan_id))
    return row.id


async def fixture_year(app) -> dict:
    """The records, and what the scorecard must find in them."""
    async with app.state.db.write() as session:
        u = await units(session)
        village, township, county, city = u[VILLAGE], u[TOWNSHIP], u[COUNTY], u[CITY]
        other = u[OTHER_COUNTY]
        a = await incident(session, village, at(3, 2))
        late = await obligation(session, a, village, township, at(3, 2, 3), "late")
        missed = await obligation(session, a, township, county, at(3, 2, 4), "missed")
        await obligation(session, a, county, city, at(3, 2, 5), "met")
        drill_incident = await incident(session, village, at(6, 10), exercise=True)
        await obligation(session, drill_incident, village, township, at(6, 10, 3), "missed",
                         exercise=True)  # fmt: skip
        b = await incident(session, township, at(8, 1))
        concealed = await verdict(session, b, township, "concealment", "confirmed")
        await verdict(session, b, county, "concealment", "candidate")
        elsewhere = await incident(session, other, at(4, 1))
        await obligation(session, elsewhere, other, city, at(4, 1, 3), "missed")
        await verdict(session, elsewhere, other, "false_report", "confirmed")
        before = await incident(session, village, at(12, 31, 10, year=2024))
        await obligation(session, before, village, township, at(12, 31, 11, year=2024), "missed")
        absent = [await shift(session, county, at(5, d), signed=False) for d in (1, 2)]
        await shift(session, county, at(5, 3), signed=True)
        await shift(session, other, at(5, 1), signed=False)
        undone = await instruction(session, a, county, at(3, 5), None)
        late_done = await instruction(session, a, county, at(3, 6), at(3, 7))
        await instruction(session, a, county, at(3, 8), at(3, 7))
        specials = [await plan(session, county, "special", f"专项预案{i}") for i in range(3)]
        await drill(session, county, specials[:2], at(9, 1), "completed")
        await drill(session, county, [specials[2]], at(10, 1), "cancelled")
        await drill(session, county, [specials[2]], at(3, 1, year=2024), "completed")
        covered = [u["231102001"], u["231102002"]]
        for unit in covered:
            await plan(session, unit, "grassroots", f"{unit.name}综合应急预案")
        required = [
            unit for unit in u.values()
            if unit.path.startswith(county.path)
            and ((unit.kind == "area" and unit.tier in ("township", "village"))
                 or (unit.kind == "community" and unit.tier == "village")
                 or unit.kind in ("school", "enterprise"))
        ]  # fmt: skip
    return {
        "late": late,
        "missed": missed,
        "concealed": concealed,
        "incident_a": a,
        "incident_b": b,
        "absent": absent,
        "undone": [undone, late_done],
        "specials": specials,
        "required": len(required),
        "covered": len(covered),
    }
