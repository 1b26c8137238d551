"""Post-incident evaluation (事后评估): opened when a real incident closes, written,
submitted and accepted; its recommendations become corrective actions (整改措施)
followed until verified; the evaluation report and the annual review."""

from command.domain import BackgroundTask, Domain, Topic
from command.incidents import listeners
from command.reviews import demo, engine, opening, snapshot

# Closing a real incident opens its evaluation in the same transaction.
listeners.listen(opening)


def _routes():
    from command.reviews.views import routes

    return routes


DOMAIN = Domain(
    name="reviews",
    routes=_routes,
    models=("command.reviews.models",),
    migrations="reviews",
    demo=demo.load,
    topics=(Topic("reviews", "reviews.read", snapshot.reviews),),
    tasks=(BackgroundTask("reviews engine", engine.start, engine.stop),),
)
