"""The session cookie's Secure flag: set whenever the request came over HTTPS (behind a
proxy, run uvicorn with --proxy-headers so that the scheme is the client's), or always with
WATCHFLOOR_SECURE_COOKIES."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SecureCookiesOverHttps:
    """ASGI middleware around SessionMiddleware: adds `Secure` to the cookies a response to
    an HTTPS request sets."""

    def __init__(self, app: ASGIApp, cookie_name: str) -> None:
        self.app = app
        self.prefix = f"{cookie_name}="

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                cookies = headers.getlist("set-cookie")
                if any(c.startswith(self.prefix) for c in cookies):
                    del headers["set-cookie"]
                    for cookie in cookies:
                        secure = cookie.startswith(self.prefix) and "secure" not in cookie.lower()
                        headers.append("set-cookie", f"{cookie}; secure" if secure else cookie)
            await send(message)

        await self.app(scope, receive, send_secure)
