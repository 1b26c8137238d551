"""A short-lived cache of token → principal, so a busy device does not cost a database
read per request. Revocation through this process clears it at once; a revocation made
elsewhere (another worker, the CLI) takes effect within TTL_SECONDS."""

from __future__ import annotations

import time
from collections import OrderedDict

from command.auth.service import Principal

TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000


class PrincipalCache:
    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    def get(self, token_hash: str) -> Principal | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        expires, principal = entry
        if expires < time.monotonic():
            del self._entries[token_hash]
            return None
        return principal

    def put(self, token_hash: str, principal: Principal) -> None:
        self._entries[token_hash] = (time.monotonic() + self.ttl, principal)
        self._entries.move_to_end(token_hash)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
