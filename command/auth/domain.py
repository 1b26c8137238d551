"""Accounts, API tokens and sessions (part of the core)."""

from command.domain import Domain


def _routes():
    from command.auth.views import routes

    return routes


DOMAIN = Domain(name="auth", routes=_routes, models=("command.auth.models",))
