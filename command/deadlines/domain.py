"""Reporting deadlines: the rulesets, each incident's obligations, the engine, verdicts
and compliance."""

from command.deadlines import cli, engine, hooks, snapshot
from command.domain import BackgroundTask, Domain, Topic
from command.incidents import listeners

# Each change of an incident recomputes its obligations in the same transaction.
listeners.listen(hooks)


def _routes():
    from command.deadlines.views import routes

    return routes


DOMAIN = Domain(
    name="deadlines",
    routes=_routes,
    models=("command.deadlines.models",),
    migrations="deadlines",
    cli=cli.register,
    topics=(Topic("deadlines", "deadlines.read", snapshot.deadlines),),
    tasks=(BackgroundTask("deadline engine", engine.start, engine.stop),),
)
