"""Ids in API requests: a positive 64-bit integer, the range of the primary keys.

One check for the id filters (``marketplace.filters.IdFilter``) and the path ids
(``marketplace.routers.IdRouter``): anything else is refused before it reaches the database
(SQLite raises OverflowError on an integer beyond 64 bits; PostgreSQL hides it).
"""

from __future__ import annotations

import re
from typing import Any

ID_MAX = 2**63 - 1
# how the API schema describes an id (filters and paths)
ID_SCHEMA: dict[str, Any] = {"type": "integer", "format": "int64", "minimum": 1, "maximum": ID_MAX}
_DIGITS = re.compile(r"[0-9]{1,19}")


def id_parse(text: str) -> int:
    """The id ``text`` spells, or ValueError: digits only (no sign, point or exponent),
    from 1 to 2**63 - 1."""
    if not _DIGITS.fullmatch(text):
        raise ValueError(f"not an id: {text[:40]!r}")
    value = int(text)
    if not 1 <= value <= ID_MAX:
        raise ValueError(f"not an id: {text!r}")
    return value
