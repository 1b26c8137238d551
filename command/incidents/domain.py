"""The incident log: incidents and their chain of reports."""

from command.domain import Domain, Topic
from command.incidents import demo, snapshot


def _routes():
    from starlette.routing import Route

    from command.deadlines.runtime import report_form
    from command.incidents.views import routes
    from command.pages import page

    return [*routes, Route("/report", page("report.html", report_form), methods=["GET"])]


DOMAIN = Domain(
    name="incidents",
    routes=_routes,
    models=("command.incidents.models",),
    migrations="incidents",
    demo=demo.load,
    topics=(Topic("incidents", "incidents.read", snapshot.incidents),),
)
