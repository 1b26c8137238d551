"""The one type of a database id or row offset in requests, within the database's range.

Ids are BIGINT (1 … 2**63 − 1); a number outside names nothing and must never reach the
database, whose driver would fail on it (a 500 instead of the 422 naming the field).
Every request model that takes an id, in a body or a query, uses these.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ID = 2**63 - 1
# Tables whose ids are 32-bit INTEGER (users, api_tokens, sessions, drill_feeds, units) and
# 32-bit numbers (a plan's version number): their path ids stop here
# (`path_id(..., maximum=MAX_INT32)`), since PostgreSQL's driver refuses a bigger one.
MAX_INT32 = 2**31 - 1

DbId = Annotated[int, Field(ge=1, le=MAX_ID)]
Offset = Annotated[int, Field(ge=0, le=MAX_ID)]
