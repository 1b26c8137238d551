"""Running a coroutine eagerly: as far as it goes without waiting, in the caller.

A websocket send usually completes without ever waiting (the socket has room). Run that
way, a frame reaches thousands of idle connections from one loop, with no task wake-up
per connection, as a bare broadcast loop would. A send that must wait for the socket is
handed over as an awaitable for the rest, which the connection's own sender task awaits;
until then, nothing else is sent on that connection.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any


def run_until_wait(coroutine: Coroutine[Any, Any, Any]) -> Rest | None:
    """Step `coroutine`; None if it finished, else the rest of it to await elsewhere.

    Exceptions it raises before its first wait propagate to the caller.
    """
    try:
        waiting_on = coroutine.send(None)
    except StopIteration:
        return None
    return Rest(coroutine, waiting_on)


class Rest:
    """A started coroutine, suspended on `waiting_on`: awaiting this finishes it.

    `__await__` delegates like `yield from`: it passes what the coroutine waits on to the
    awaiting task, and sends results, exceptions and cancellation back into it.
    """

    __slots__ = ("coroutine", "waiting_on")

    def __init__(self, coroutine: Coroutine[Any, Any, Any], waiting_on: Any) -> None:
        self.coroutine = coroutine
        self.waiting_on = waiting_on

    def __await__(self) -> Generator[Any, Any, Any]:
        waiting_on = self.waiting_on
        while True:
            try:
                result = yield waiting_on
            except BaseException as exc:
                try:
                    waiting_on = self.coroutine.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    waiting_on = self.coroutine.send(result)
                except StopIteration as done:
                    return done.value

    def close(self) -> None:
        self.coroutine.close()
