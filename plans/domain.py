"""The plan registry (应急预案) and the drills (演练)."""

from command.domain import Domain, Topic
from plans import cli, demo, snapshot


def _routes():
    from starlette.routing import Route

    from command.pages import page
    from plans.rules import page_config
    from plans.views import routes

    return [
        *routes,
        Route("/plans", page("plans.html", page_config), methods=["GET"]),
        Route("/plans/{plan_id:int}", page("plan.html", page_config), methods=["GET"]),
    ]


DOMAIN = Domain(
    name="plans",
    routes=_routes,
    models=("plans.models",),
    migrations="plans",
    cli=cli.register,
    demo=demo.load,
    topics=(
        Topic("drills", "drills.read", snapshot.drills),
        Topic("plans", "plans.read", snapshot.plans),
    ),
)
