"""The incident log: incidents and their chain of reports."""

from command.domain import Domain, Topic
from command.incidents import demo, snapshot


def _routes():
    from command.incidents.views import routes

    return routes


DOMAIN = Domain(
    name="incidents",
    routes=_routes,
    models=("command.incidents.models",),
    migrations="incidents",
    demo=demo.load,
    topics=(Topic("incidents", "incidents.read", snapshot.incidents),),
)
