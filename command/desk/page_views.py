"""/desk: the duty officer's page, for those who manage incidents (commanders, admins).
Anyone else signed in is sent to their own page; a visitor to the sign-in page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from command.auth.guard import resolve_principal
from command.auth.roles import CAPABILITIES
from command.errors import ApiError
from command.pages import HOME, page

CAPABILITY = "incidents.manage"
_show = page("desk.html")


async def desk(request: Request) -> Response:
    try:
        principal = await resolve_principal(request)
    except ApiError:  # a malformed Authorization header: the page uses the cookie
        principal = None
    if principal is not None and CAPABILITY not in CAPABILITIES[principal.role]:
        return RedirectResponse(HOME.get(principal.role, "/wall"), status_code=303)
    return await _show(request)
