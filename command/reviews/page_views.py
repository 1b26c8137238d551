"""/reviews: evaluations and corrective actions due or overdue for the caller's subtree,
the annual review, and the owning unit's own actions (closed from there); and
/reviews/{id}/print: one evaluation as a printable A4 page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from command.pages import page

reviews_page = page("reviews.html")
_print = page("review-print.html")


async def print_page(request: Request) -> Response:
    return await _print(request)
