"""Plan versions (with their document or text) and filing (备案) with the unit above."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.db import utcnow
from command.errors import Conflict, Invalid, NotFound
from command.units.models import Unit
from command.units.service import chain_up
from plans import reviews, service
from plans.documents import Upload
from plans.models import Plan, PlanDocument, PlanFiling, PlanVersion
from plans.rules import load_rules
from plans.schemas import DocumentOut, FilingIn, FilingOut, PlanDetail, VersionIn, VersionOut
from plans.workdays import add_working_days


def filing_status(filing: PlanFiling, today: date) -> str:
    if filing.filed_on is None:
        return "overdue" if today > filing.due_on else "pending"
    return "filed" if filing.filed_on <= filing.due_on else "filed_late"


def filing_out(filing: PlanFiling, version: int, filed_with: Unit | None, today: date) -> FilingOut:
    return FilingOut(
        plan=filing.plan_id,
        version=version,
        filed_with=filed_with.code if filed_with else None,
        filed_with_name=filed_with.name if filed_with else None,
        issued_on=filing.issued_on,
        due_on=filing.due_on,
        provisional=filing.provisional,
        filed_on=filing.filed_on,
        reference=filing.reference,
        status=filing_status(filing, today),
    )


async def filing_view(session: AsyncSession, filing: PlanFiling, today: date) -> FilingOut:
    version = await session.get(PlanVersion, filing.version_id)
    unit = await session.get(Unit, filing.filed_with_id) if filing.filed_with_id else None
    return filing_out(filing, version.number if version else 0, unit, today)


async def current_filings(
    session: AsyncSession, plans: list[Plan], today: date
) -> dict[int, tuple[str, date]]:
    """Each plan's current version's filing status and due date, in one query."""
    ids = [plan.id for plan in plans if plan.version]
    if not ids:
        return {}
    rows = await session.execute(
        select(PlanFiling, PlanVersion.number, PlanVersion.plan_id)
        .join(PlanVersion, PlanVersion.id == PlanFiling.version_id)
        .where(PlanVersion.plan_id.in_(ids))
    )
    current = {plan.id: plan.version for plan in plans}
    return {
        plan_id: (filing_status(filing, today), filing.due_on)
        for filing, number, plan_id in rows.all()
        if current.get(plan_id) == number
    }


async def filing_of(session: AsyncSession, version: PlanVersion, today: date) -> FilingOut | None:
    filing = await session.scalar(select(PlanFiling).where(PlanFiling.version_id == version.id))
    return await filing_view(session, filing, today) if filing else None


def version_out(version: PlanVersion, filing: FilingOut | None) -> VersionOut:
    document = None
    if version.sha256 is not None:
        document = DocumentOut(
            filename=version.filename or "",
            media_type=version.media_type or "",
            size=version.size or 0,
            sha256=version.sha256,
            url=f"/api/plans/{version.plan_id}/versions/{version.number}/document",
        )
    return VersionOut(
        number=version.number,
        issued_on=version.issued_on,
        effective_on=version.effective_on,
        change_summary=version.change_summary,
        approved_by=version.approved_by,
        text=version.text,
        document=document,
        filing=filing,
        created_at=version.created_at,
    )


async def filing_unit(session: AsyncSession, owner: Unit) -> Unit | None:
    """The government the owner files with: the nearest area unit above it."""
    area_kinds = load_rules().filing.area_kinds
    return next((u for u in await chain_up(session, owner) if u.kind in area_kinds), None)


def _check_version(plan: Plan, data: VersionIn, upload: Upload | None, today: date) -> date:
    if (upload is None) == (data.text is None):
        message = "send the plan either as a document file or as text, not both"
        raise Invalid("text", message, bare=True)
    issued_on = data.issued_on or data.effective_on
    if issued_on > today:
        message = "issued_on must not be in the future: a version is issued first"
        raise Invalid("issued_on", message, bare=True)
    if plan.current_since and data.effective_on < plan.current_since:
        message = f"effective_on is before the current version's ({plan.current_since})"
        raise Invalid("effective_on", message, bare=True)
    return issued_on


async def _add_filing(
    session: AsyncSession, plan: Plan, version: PlanVersion, owner: Unit
) -> PlanFiling:
    deadline = add_working_days(version.issued_on, load_rules().filing.working_days)
    above = await filing_unit(session, owner)
    filing = PlanFiling(
        plan_id=plan.id,
        version_id=version.id,
        filed_with_id=above.id if above else None,
        unit_path=owner.path,
        issued_on=version.issued_on,
        due_on=deadline.due,
        provisional=deadline.provisional,
        reference="",
    )
    session.add(filing)
    return filing


def _version_row(plan: Plan, data: VersionIn, upload: Upload | None, issued_on: date, actor: str):
    return PlanVersion(
        plan_id=plan.id,
        number=plan.version + 1,
        issued_on=issued_on,
        effective_on=data.effective_on,
        change_summary=data.change_summary,
        approved_by=data.approved_by,
        text=data.text,
        filename=upload.filename if upload else None,
        media_type=upload.media_type if upload else None,
        size=len(upload.content) if upload else None,
        sha256=upload.sha256 if upload else None,
        created_by=actor,
        created_at=utcnow(),
    )


async def add_version(
    session: AsyncSession,
    *,
    plan: Plan,
    data: VersionIn,
    upload: Upload | None,
    actor: str,
    today: date,
) -> PlanVersion:
    """Issue a new version: it comes into force, answers open revision tasks, owes filing."""
    service.ensure_changeable(plan)
    issued_on = _check_version(plan, data, upload, today)
    version = _version_row(plan, data, upload, issued_on, actor)
    session.add(version)
    await session.flush()
    if upload is not None:
        session.add(PlanDocument(version_id=version.id, content=upload.content))
    owner = await service.owner_of(session, plan)
    filing = await _add_filing(session, plan, version, owner)
    closed = await reviews.close_open_tasks(session, plan=plan, version=version.number)
    plan.version, plan.current_since = version.number, data.effective_on
    plan.in_force_since = plan.in_force_since or data.effective_on
    await service.set_status(session, plan, "in_force", actor=actor)
    await session.flush()
    out = version_out(version, await filing_view(session, filing, today))
    await service.record_plan_event(
        session, plan, kind="plan.version_added", actor=actor, version=out, closed_tasks=closed
    )
    return version


async def get_version(session: AsyncSession, plan: Plan, number: int) -> PlanVersion:
    version = await session.scalar(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == number)
    )
    if version is None:
        raise NotFound(f"version of plan {plan.id}", number)
    return version


async def get_document(session: AsyncSession, plan: Plan, number: int) -> tuple[PlanVersion, bytes]:
    version = await get_version(session, plan, number)
    document = await session.get(PlanDocument, version.id)
    if document is None:
        message = f"version {number} of plan {plan.id} was registered as text"
        raise NotFound(f"document of plan {plan.id} version", number, message=message)
    return version, document.content


async def file_plan(
    session: AsyncSession, *, plan: Plan, data: FilingIn, actor: str, today: date
) -> PlanFiling:
    """Record that the current version was filed (备案) with the unit above."""
    service.ensure_changeable(plan)
    if plan.version == 0:
        raise Conflict(f"plan {plan.id} has no issued version to file")
    version = await get_version(session, plan, plan.version)
    filing = await session.scalar(select(PlanFiling).where(PlanFiling.version_id == version.id))
    assert filing is not None  # created with the version
    if filing.filed_on is not None:
        raise Conflict(f"version {version.number} of plan {plan.id} was filed on {filing.filed_on}")
    filed_on = data.filed_on or today
    if filed_on > today:
        raise Invalid("filed_on", "filed_on must not be in the future", bare=True)
    if filed_on < filing.issued_on:
        message = f"filed_on is before the version was issued ({filing.issued_on})"
        raise Invalid("filed_on", message, bare=True)
    filing.filed_on, filing.reference, filing.filed_by = filed_on, data.reference, actor
    plan.updated_at = utcnow()
    await session.flush()
    out = await filing_view(session, filing, today)
    await service.record_plan_event(session, plan, kind="plan.filed", actor=actor, filing=out)
    return filing


async def plan_detail(session: AsyncSession, plan: Plan, today: date) -> PlanDetail:
    versions = (
        await session.scalars(
            select(PlanVersion).where(PlanVersion.plan_id == plan.id).order_by(PlanVersion.number)
        )
    ).all()
    filings = {
        f.version_id: f
        for f in (
            await session.scalars(select(PlanFiling).where(PlanFiling.plan_id == plan.id))
        ).all()
    }
    outs = []
    for version in versions:
        filing = filings.get(version.id)
        outs.append(
            version_out(version, await filing_view(session, filing, today) if filing else None)
        )
    base = await service.plan_out(session, plan)
    return PlanDetail(
        **base.model_dump(),
        versions=outs,
        revisions=[service.revision_out(t) for t in await reviews.revisions_of(session, plan)],
        reviews=[reviews.review_out(r) for r in await reviews.reviews_of(session, plan)],
    )
