"""The HTTP protocol `watchfloor serve` runs: uvicorn's, with a deadline for request headers.

uvicorn closes an idle keep-alive connection after `timeout_keep_alive`, but a connection
that opens and then trickles its request headers a byte at a time (slowloris) is never
timed out: 500 of them held 500 sockets for as long as the clients liked. Here every
connection must complete its request headers within the same number of seconds
(WATCHFLOOR_HEADER_TIMEOUT_SECONDS, given to uvicorn as `timeout_keep_alive`), counted
from the connection's start and again from the end of each response. A connection handed
over to the websocket protocol is no longer ours to time out.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

PROTOCOL = "command.serving:HeaderDeadlineProtocol"


class HeaderDeadlineProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._waiting_after: object = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_deadline()

    def _arm_header_deadline(self) -> None:
        self._disarm_header_deadline()
        # The request in progress now; headers of a new one replace it (a new cycle).
        self._waiting_after = self.cycle
        self._header_deadline = self.loop.call_later(self.timeout_keep_alive, self._headers_overdue)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_overdue(self) -> None:
        self._header_deadline = None
        transport = self.transport
        if transport.is_closing() or transport.get_protocol() is not self:
            return  # gone already, or upgraded to a websocket
        if self.cycle is self._waiting_after:
            transport.close()  # no complete request headers in time
