"""Accounts, API tokens and sessions (part of the core), and the administration page."""

from command.domain import Domain


def _routes():
    from starlette.routing import Route

    from command.auth.roles import ROLES
    from command.auth.views import routes
    from command.pages import page

    def admin_config(_session):
        return {"roles": list(ROLES)}

    admin = Route("/admin", page("admin.html", admin_config, roles=("admin",)), methods=["GET"])
    return [*routes, admin]


DOMAIN = Domain(name="auth", routes=_routes, models=("command.auth.models",), migrations="auth")
