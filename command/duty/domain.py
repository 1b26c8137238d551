"""Duty (值班值守): the roster, sign-in and absences, handovers and the call register."""

from command.domain import BackgroundTask, Domain, Topic
from command.duty import attendance, calls, demo, roster


def _routes():
    from starlette.routing import Route

    from command.duty.views import routes
    from command.pages import page

    return [*routes, Route("/duty", page("duty.html"), methods=["GET"])]


DOMAIN = Domain(
    name="duty",
    routes=_routes,
    models=("command.duty.models",),
    migrations="duty",
    demo=demo.load,
    topics=(
        Topic("duty", "duty.read", roster.on_duty_snapshot),
        Topic("calls", "duty.manage", calls.today),
    ),
    # Once a shift's sign-in grace passes, its attendance is recorded (shift.absent).
    tasks=(BackgroundTask("duty attendance", attendance.start, attendance.stop),),
)
