"""Notifications: reminders and escalation to the people on duty, from the event log."""

from command.domain import BackgroundTask, Domain
from command.notify import cli, worker


def _routes():
    from command.notify.views import routes

    return routes


DOMAIN = Domain(
    name="notify",
    routes=_routes,
    models=("command.notify.models",),
    migrations="notify",
    cli=cli.register,
    tasks=(BackgroundTask("notification worker", worker.start, worker.stop),),
    health=worker.health,
    rules_check=cli.rules_check,
)
