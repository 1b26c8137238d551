"""The organization tree: units and their subtrees (part of the core)."""

from command.domain import Domain, Topic
from command.units import snapshot


def _routes():
    from command.units.views import routes

    return routes


DOMAIN = Domain(
    name="units",
    routes=_routes,
    models=("command.units.models",),
    topics=(Topic("units", "units.read", snapshot.units),),
)
