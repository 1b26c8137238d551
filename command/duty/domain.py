"""Duty (值班值守): the roster, sign-in, handovers and the call register."""

from command.domain import Domain, Topic
from command.duty import calls


def _routes():
    from command.duty.views import routes

    return routes


DOMAIN = Domain(
    name="duty",
    routes=_routes,
    models=("command.duty.models",),
    migrations="duty",
    topics=(Topic("duty", "incidents.manage", calls.today),),
)
