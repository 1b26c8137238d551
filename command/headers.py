"""Security headers on every HTTP response: API answers, redirects, errors, 404s, static
files and pages alike (pages add their Content-Security-Policy themselves).

- `X-Content-Type-Options: nosniff`: a browser never reads a JSON error or an uploaded
  document as HTML or script;
- `X-Frame-Options: DENY`, the older browsers' spelling of the pages' CSP
  `frame-ancestors 'none'`: no other site frames a page (clickjacking);
- `Strict-Transport-Security` when the request came over HTTPS (uvicorn's proxy headers
  set the scheme from `X-Forwarded-Proto` behind a TLS proxy): browsers stop trying plain
  HTTP. Never over plain HTTP, where it would mean nothing and could lock a laptop out.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000"
ALWAYS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY"}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    if name not in headers:
                        headers.append(name, value)
                if secure and "strict-transport-security" not in headers:
                    headers.append("strict-transport-security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
