"""Year-end assessment (考核评估): indicator sheets, scorecards, the cycle, the circular."""

from command.assessment import cli
from command.assessment.scorecards import submissions_snapshot
from command.domain import Domain, Topic


def _routes():
    from starlette.routing import Route

    from command.assessment.page_views import assessment, echarts, leadership, readiness
    from command.assessment.readiness_views import routes as readiness_routes
    from command.assessment.views import routes

    return [
        *routes,
        *readiness_routes,
        Route("/leadership", leadership, methods=["GET"]),
        Route("/readiness", readiness, methods=["GET"]),
        Route("/assessment", assessment, methods=["GET"]),
        echarts,
    ]


DOMAIN = Domain(
    name="assessment",
    routes=_routes,
    models=("command.assessment.models",),
    migrations="assessment",
    cli=cli.register,
    topics=(Topic("assessment", "assessment.read", submissions_snapshot),),
)
