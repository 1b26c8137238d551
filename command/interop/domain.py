"""Interoperability: CAP 1.2 alerts out and in, the Atom feed, early warnings."""

from command.domain import Domain


def _routes():
    from command.interop.views import routes

    return routes


DOMAIN = Domain(
    name="interop",
    routes=_routes,
    models=("command.interop.models",),
    migrations="interop",
)
