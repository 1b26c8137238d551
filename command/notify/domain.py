"""Notifications: reminders and escalation to the people on duty, from the event log."""

from command.domain import BackgroundTask, Domain, Topic
from command.notify import cli, escalations, worker


def _routes():
    from command.notify.views import routes

    return routes


DOMAIN = Domain(
    name="notify",
    routes=_routes,
    models=("command.notify.models",),
    migrations="notify",
    cli=cli.register,
    # What the owing unit may know of its escalations (the field report page).
    topics=(Topic(escalations.TOPIC, "deadlines.read", escalations.snapshot),),
    tasks=(BackgroundTask("notification worker", worker.start, worker.stop),),
    health=worker.health,
    rules_check=cli.rules_check,
)
