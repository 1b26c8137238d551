"""The duty officer's desk: leaders' instructions followed until done, the call register
and previews of a change."""

from command.desk import calls
from command.domain import Domain, Topic


def _routes():
    from command.desk.views import routes

    return routes


DOMAIN = Domain(
    name="desk",
    routes=_routes,
    models=("command.desk.models",),
    migrations="desk",
    topics=(Topic("duty", "incidents.manage", calls.today),),
)
