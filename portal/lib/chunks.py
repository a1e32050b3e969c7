"""Splitting many ids or rows into pieces: one `IN (...)` clause, one committed chunk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

IN_CHUNK = 900  # ids per IN (...) clause: below SQLite's old variable limit.


def chunks(items: Iterable, size: int = IN_CHUNK) -> Iterator[list]:
    """`items` in lists of at most `size` (any iterable, read once)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
