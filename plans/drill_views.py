"""Drill endpoints: scheduling, changes, evaluation, the iCalendar feed and its tokens."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from command.auth.guard import (
    ensure_filter_sees,
    ensure_sees,
    named_unit,
    require,
    subtree_root,
)
from command.auth.service import Principal
from command.errors import ApiError
from command.http import MAX_NUMBER, parse_query, path_id, read_model, respond, submit_once
from command.idempotency import request_key
from command.openapi import api
from command.units.models import Unit
from plans import drill_queries as queries
from plans import feeds
from plans.clock import Clock
from plans.drill_schemas import (
    DrillIn,
    DrillList,
    DrillOut,
    DrillPatch,
    DrillQuery,
    EvaluationIn,
    EvaluationList,
    EvaluationOut,
    FeedIn,
    FeedList,
    FeedOut,
)
from plans.drills import schedule_drill, update_drill
from plans.evaluation import evaluate_drill, evaluations_of
from plans.ical import build_calendar
from plans.recurrence import Span
from plans.rules import load_rules
from plans.service import plan_unit_path

TAGS = ["drills"]
WRITE_ERRORS = (400, 401, 403, 404, 409, 422)


async def _managed(session, principal: Principal, request: Request):
    drill_id = path_id(request, "drill_id", "drill")
    drill = await queries.get_drill(session, drill_id, for_update=True)
    ensure_sees(principal, drill.organizer_path, f"drill {drill.id}")
    return drill


@api(
    "Schedule a drill (409 on a unit or place already booked, unless overridden with a "
    "reason), or record one already completed",
    tags=TAGS,
    request=DrillIn,
    response=DrillOut,
    status=201,
    errors=WRITE_ERRORS,
)
async def create_drill(request: Request):
    principal = await require(request, "drills.manage")
    key = request_key(request)
    data = await read_model(request, DrillIn)
    clock = Clock.of(request.app.state.settings)

    async def work(session):
        drill = await schedule_drill(session, data=data, principal=principal, clock=clock)
        return 201, (await queries.drill_out(session, drill)).model_dump(mode="json")

    return await submit_once(request, owner=principal.subject, key=key, data=data, work=work)


@api(
    "Drills organized in or involving the subtree; with from/to, their occurrences in that window",
    tags=TAGS,
    query=DrillQuery,
    response=DrillList,
)
async def list_drills(request: Request):
    principal = await require(request, "drills.read")
    query = parse_query(request, DrillQuery)
    zone = request.app.state.settings.zone
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, query.within, field="query.within")
        if query.plan is not None:
            path = await plan_unit_path(session, query.plan)
            ensure_filter_sees(principal, path, f"plan {query.plan}", field="query.plan")
        items, total = await queries.list_drills(session, root=root, query=query, zone=zone)
    return respond(DrillList(items=items, total=total))


@api("One drill", tags=TAGS, response=DrillOut)
async def get_drill(request: Request):
    principal = await require(request, "drills.read")
    async with request.app.state.db.read() as session:
        drill = await _visible(session, principal, request)
        out = await queries.drill_out(session, drill)
    return respond(out)


async def _visible(session, principal: Principal, request: Request):
    """The drill, when it is organized in or involves the caller's subtree (else 403)."""
    drill = await queries.get_drill(session, path_id(request, "drill_id", "drill"))
    paths = [drill.organizer_path, *await queries.participant_paths(session, drill.id)]
    if not any(principal.sees(path) for path in paths):
        raise ApiError(403, f"drill {drill.id} involves no unit of {principal.unit_code}")
    return drill


@api(
    "The saved evaluations of a drill (one per occurrence evaluated)",
    tags=TAGS,
    response=EvaluationList,
)
async def list_evaluations(request: Request):
    principal = await require(request, "drills.read")
    async with request.app.state.db.read() as session:
        drill = await _visible(session, principal, request)
        items = await evaluations_of(session, drill)
    return respond(EvaluationList(items=items))


@api(
    "Reschedule, change or move a drill through its statuses",
    tags=TAGS,
    request=DrillPatch,
    response=DrillOut,
    errors=WRITE_ERRORS,
)
async def patch_drill(request: Request):
    principal = await require(request, "drills.manage")
    data = await read_model(request, DrillPatch)
    clock = Clock.of(request.app.state.settings)
    async with request.app.state.db.write() as session:
        drill = await _managed(session, principal, request)
        await update_drill(session, drill=drill, data=data, principal=principal, clock=clock)
        out = await queries.drill_out(session, drill)
    return respond(out)


@api(
    "Evaluate a completed drill; findings with revise=true open revision tasks",
    tags=TAGS,
    request=EvaluationIn,
    response=EvaluationOut,
    status=201,
    errors=WRITE_ERRORS,
)
async def evaluate(request: Request):
    principal = await require(request, "drills.manage")
    data = await read_model(request, EvaluationIn)
    clock = Clock.of(request.app.state.settings)
    async with request.app.state.db.write() as session:
        drill = await _managed(session, principal, request)
        out = await evaluate_drill(
            session, drill=drill, data=data, principal=principal, clock=clock
        )
    return respond(out, status=201)


async def _feed_root(request: Request, session) -> Unit:
    """The subtree of the feed: a feed token's unit, or the caller's (optionally narrowed)."""
    token = request.query_params.get("token")
    within = request.query_params.get("within")
    if token is not None:
        unit = await feeds.unit_for_token(session, token)
        if unit is None:
            raise ApiError(401, "calendar feed token is invalid or revoked")
        root = await named_unit(session, within, field="query.within") if within else unit
        if not root.path.startswith(unit.path):
            raise ApiError(403, f"unit {root.code} lies outside this feed's unit {unit.code}")
        return root
    principal = await require(request, "drills.read")
    return await subtree_root(session, principal, within, field="query.within")


@api(
    "The drill calendar of a subtree (RFC 5545); calendar clients may use ?token= with a "
    "feed token",
    tags=TAGS,
    media_type="text/calendar",
    errors=(401, 403, 404),
)
async def drill_calendar(request: Request):
    settings = request.app.state.settings
    clock = Clock.of(settings)
    since = clock.now - timedelta(days=load_rules().drills.feed_past_days)
    window = Span(since, queries.LATEST)
    async with request.app.state.db.read() as session:
        root = await _feed_root(request, session)
        drills = await queries.drills_in_window(
            session, root_path=root.path, window=window, zone=settings.zone
        )
    body = build_calendar(drills, name=f"{root.name} 演练", zone=settings.zone)
    headers = {
        "Cache-Control": "private, max-age=300",
        "Content-Disposition": f'inline; filename="drills-{root.code}.ics"',
    }
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


@api(
    "Create a calendar feed URL for a unit's drills (the token is shown once)",
    tags=TAGS,
    request=FeedIn,
    response=FeedOut,
    status=201,
)
async def create_feed(request: Request):
    principal = await require(request, "drills.read")
    data = await read_model(request, FeedIn)
    async with request.app.state.db.write() as session:
        unit = await subtree_root(session, principal, data.unit, field="unit")
        plain, feed = await feeds.create_feed(
            session, unit=unit, label=data.label, actor=principal.subject
        )
        out = feeds.feed_out(feed, unit, plain)
    return respond(out, status=201)


@api("Calendar feeds of the caller's subtree", tags=TAGS, response=FeedList)
async def list_feeds(request: Request):
    principal = await require(request, "drills.read")
    async with request.app.state.db.read() as session:
        root = await subtree_root(session, principal, None)
        items = await feeds.list_feeds(session, root=root)
    return respond(FeedList(items=items))


@api("Revoke a calendar feed", tags=TAGS, response=FeedOut)
async def revoke_feed(request: Request):
    principal = await require(request, "drills.read")
    feed_id = path_id(request, "feed_id", "feed", maximum=MAX_NUMBER)
    async with request.app.state.db.write() as session:
        out = await feeds.revoke_feed(session, feed_id=feed_id, principal=principal)
    return respond(out)


DRILL = "/api/drills/{drill_id:int}"
routes = [
    Route("/api/drills", create_drill, methods=["POST"]),
    Route("/api/drills", list_drills, methods=["GET"]),
    Route("/api/drills.ics", drill_calendar, methods=["GET"]),
    Route("/api/drills/feeds", create_feed, methods=["POST"]),
    Route("/api/drills/feeds", list_feeds, methods=["GET"]),
    Route("/api/drills/feeds/{feed_id:int}", revoke_feed, methods=["DELETE"]),
    Route(DRILL, get_drill, methods=["GET"]),
    Route(DRILL, patch_drill, methods=["PATCH"]),
    Route(DRILL + "/evaluation", evaluate, methods=["POST"]),
    Route(DRILL + "/evaluations", list_evaluations, methods=["GET"]),
]
