"""The duty officer's desk: leaders' instructions followed until done, and previews of a
change before it is confirmed."""

from command.domain import Domain


def _routes():
    from starlette.routing import Route

    from command.desk.page_views import desk
    from command.desk.views import routes

    return [*routes, Route("/desk", desk, methods=["GET"])]


DOMAIN = Domain(
    name="desk",
    routes=_routes,
    models=("command.desk.models",),
    migrations="desk",
)
