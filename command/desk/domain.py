"""The duty officer's desk: leaders' instructions followed until done, and previews of a
change before it is confirmed."""

from command.domain import Domain


def _routes():
    from starlette.routing import Route

    from command.desk.views import routes
    from command.pages import page

    return [*routes, Route("/desk", page("desk.html"), methods=["GET"])]


DOMAIN = Domain(
    name="desk",
    routes=_routes,
    models=("command.desk.models",),
    migrations="desk",
)
