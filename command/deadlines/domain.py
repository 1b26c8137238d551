"""Reporting deadlines: the rulesets, each incident's obligations, the engine, verdicts
and compliance."""

from command.deadlines import cli, engine, hooks, snapshot
from command.domain import BackgroundTask, Domain, Topic
from command.incidents import listeners

# Each change of an incident recomputes its obligations in the same transaction.
listeners.listen(hooks)


def _routes():
    from starlette.routing import Route

    from command.deadlines.runtime import report_form
    from command.deadlines.views import routes
    from command.pages import page

    # The field report page: the incident log's forms under the reporting rules in force
    # (the key facts an initial report must state), so it is declared here.
    return [*routes, Route("/report", page("report.html", report_form), methods=["GET"])]


DOMAIN = Domain(
    name="deadlines",
    routes=_routes,
    models=("command.deadlines.models",),
    migrations="deadlines",
    cli=cli.register,
    topics=(Topic("deadlines", "deadlines.read", snapshot.deadlines),),
    tasks=(BackgroundTask("deadline engine", engine.start, engine.stop),),
)
