"""The reviews API: evaluations (`/api/reviews`), corrective actions (`/api/actions`),
the report as DOCX and the annual review (JSON, XLSX). Parse, authorize the capability,
call the service, serialize."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.auth.guard import require, subtree_root
from command.db import utcnow
from command.http import parse_query, path_id, read_model, respond
from command.openapi import api
from command.reviews import actions, annual, annual_files, evaluations, present
from command.reviews.page_views import print_page, reviews_page
from command.reviews.report import report_docx
from command.reviews.schemas import (
    ActionList,
    ActionOut,
    ActionQuery,
    AnnualQuery,
    DoneIn,
    EvaluationPatch,
    EvaluationQuery,
    IncidentEvaluationList,
    IncidentEvaluationOut,
    ReportQuery,
)

TAGS = ["reviews"]
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@api(
    "Evaluations of the subtree's incidents (`incident=ID`: that incident's), due soonest first",
    tags=TAGS,
    query=EvaluationQuery,
    response=IncidentEvaluationList,
)
async def list_reviews(request: Request) -> Response:
    principal = await require(request, "reviews.read")
    query = parse_query(request, EvaluationQuery)
    async with request.app.state.db.read() as session:
        listing = await evaluations.list_evaluations(
            session, query=query, principal=principal, now=utcnow()
        )
    return respond(IncidentEvaluationList.model_validate(listing))


async def _detail(request: Request, evaluation_id: int, principal) -> Response:
    """The evaluation as GET shows it, with its ETag (of the version this read saw)."""
    async with request.app.state.db.read() as session:
        evaluation = await evaluations.visible(session, evaluation_id, principal)
        view = await evaluations.detail(session, evaluation, principal)
    return respond(
        IncidentEvaluationOut.model_validate(view), headers={"ETag": present.etag(evaluation)}
    )


@api(
    "One evaluation with its corrective actions and the facts the system holds",
    tags=TAGS,
    response=IncidentEvaluationOut,
    errors=(401, 403, 404),
    etag=True,
)
async def get_review(request: Request) -> Response:
    principal = await require(request, "reviews.read")
    return await _detail(request, path_id(request, "id", "evaluation"), principal)


async def _write(
    request: Request, step, capability: str = "reviews.write", **extra: Any
) -> Response:
    """One of the evaluation service's steps on the locked row, with the caller's If-Match;
    the answer is the evaluation after the commit, with its new ETag."""
    principal = await require(request, capability)
    evaluation_id = path_id(request, "id", "evaluation")
    async with request.app.state.db.write() as session:
        await step(
            session,
            evaluation_id=evaluation_id,
            principal=principal,
            now=utcnow(),
            if_match=request.headers.get("if-match"),
            **extra,
        )
    return await _detail(request, evaluation_id, principal)


@api(
    "Change a draft: the group, sections (merged by name), plans used, recommendations",
    tags=TAGS,
    request=EvaluationPatch,
    response=IncidentEvaluationOut,
    errors=WRITE_ERRORS,
    if_match=True,
)
async def patch_review(request: Request) -> Response:
    patch = await read_model(request, EvaluationPatch)
    return await _write(request, evaluations.update_draft, patch=patch)


@api(
    "Submit a draft; 422 names each required section still missing",
    tags=TAGS,
    response=IncidentEvaluationOut,
    errors=WRITE_ERRORS,
    if_match=True,
)
async def submit_review(request: Request) -> Response:
    return await _write(request, evaluations.submit)


@api(
    "Accept a submitted evaluation: its recommendations become corrective actions",
    tags=TAGS,
    response=IncidentEvaluationOut,
    errors=WRITE_ERRORS,
    if_match=True,
)
async def accept_review(request: Request) -> Response:
    return await _write(request, evaluations.accept, "reviews.accept")


@api(
    "The evaluation report as a Word document (GB/T 9704 layout; lang=en for English)",
    tags=TAGS,
    query=ReportQuery,
    media_type=DOCX,
    errors=(401, 403, 404, 422),
)
async def report(request: Request) -> Response:
    principal = await require(request, "reviews.read")
    evaluation_id = path_id(request, "id", "evaluation")
    query = parse_query(request, ReportQuery)
    async with request.app.state.db.read() as session:
        evaluation = await evaluations.visible(session, evaluation_id, principal)
        view = await evaluations.detail(session, evaluation, principal)
    content = report_docx(view, zone=request.app.state.settings.zone, lang=query.lang)
    name = f"evaluation-{evaluation_id}.docx"
    return Response(
        content, media_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _last_year(request: Request) -> int:
    return utcnow().astimezone(request.app.state.settings.zone).year - 1


async def _annual(request: Request) -> tuple[dict, str, str]:
    principal = await require(request, "reviews.read")
    query = parse_query(request, AnnualQuery)
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.unit)
        review = await annual.annual_review(
            session=session, root_path=root.path, year=query.year or _last_year(request)
        )
    return review, (root.name_en or root.name) if query.lang == "en" else root.name, query.lang


@api(
    "The annual review of a year's real incidents (default: last year) for the subtree",
    tags=TAGS,
    query=AnnualQuery,
)
async def annual_review(request: Request) -> Response:
    review, _, _ = await _annual(request)
    return respond(review)


@api("The annual review as an Excel workbook", tags=TAGS, query=AnnualQuery, media_type=XLSX)
async def annual_xlsx(request: Request) -> Response:
    review, name, lang = await _annual(request)
    filename = f"annual-review-{review['unit']}-{review['year']}.xlsx"
    return Response(
        annual_files.annual_xlsx(review, name, lang),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@api(
    "Corrective actions owned by units of the subtree (`unit`, or the caller's)",
    tags=TAGS,
    query=ActionQuery,
    response=ActionList,
)
async def list_actions(request: Request) -> Response:
    principal = await require(request, "reviews.read")
    query = parse_query(request, ActionQuery)
    async with request.app.state.db.read() as session:
        listing = await actions.list_actions(
            session, query=query, principal=principal, now=utcnow()
        )
    return respond(ActionList.model_validate(listing))


async def _action(request: Request, work, capability: str) -> Response:
    principal = await require(request, capability)
    action_id = path_id(request, "id", "corrective action")
    now: datetime = utcnow()
    async with request.app.state.db.write() as session:
        action = await work(session, action_id, principal, now)
        view = (await present.action_views(session, [action], now))[0]
    return respond(ActionOut.model_validate(view))


@api(
    "The owning unit marks its action done, with its evidence (required)",
    tags=TAGS,
    request=DoneIn,
    response=ActionOut,
    errors=WRITE_ERRORS,
)
async def action_done(request: Request) -> Response:
    await require(request, "reviews.close")  # who asks, before what they sent
    data = await read_model(request, DoneIn)

    async def work(session, action_id, principal, now):
        return await actions.mark_done(
            session, action_id=action_id, evidence=data.evidence, principal=principal, now=now
        )

    return await _action(request, work, "reviews.close")


@api(
    "The evaluation's leading unit verifies a done action",
    tags=TAGS,
    response=ActionOut,
    errors=WRITE_ERRORS,
)
async def action_verify(request: Request) -> Response:
    async def work(session, action_id, principal, now):
        return await actions.verify(session, action_id=action_id, principal=principal, now=now)

    return await _action(request, work, "reviews.write")


routes = [
    Route("/api/reviews", list_reviews, methods=["GET"]),
    Route("/api/reviews/annual", annual_review, methods=["GET"]),
    Route("/api/reviews/annual.xlsx", annual_xlsx, methods=["GET"]),
    Route("/api/reviews/{id:int}", get_review, methods=["GET"]),
    Route("/api/reviews/{id:int}", patch_review, methods=["PATCH"]),
    Route("/api/reviews/{id:int}/submit", submit_review, methods=["POST"]),
    Route("/api/reviews/{id:int}/accept", accept_review, methods=["POST"]),
    Route("/api/reviews/{id:int}/report.docx", report, methods=["GET"]),
    Route("/api/actions", list_actions, methods=["GET"]),
    Route("/api/actions/{id:int}/done", action_done, methods=["POST"]),
    Route("/api/actions/{id:int}/verify", action_verify, methods=["POST"]),
    Route("/reviews", reviews_page, methods=["GET"]),
    Route("/reviews/{id:int}/print", print_page, methods=["GET"]),
]
