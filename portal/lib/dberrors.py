"""What the database reports about a refused write, by the constraint's name (never its wording)."""

from __future__ import annotations

import re

from django.db import IntegrityError

# SQLite names an expression index, or the columns of a plain unique index.
_SQLITE_INDEX = re.compile(r"constraint failed: index '([^']+)'")
_SQLITE_COLUMNS = re.compile(r"constraint failed: ([\w.]+(?:, [\w.]+)*)")


def violated_constraint(error: IntegrityError) -> str:
    """The violated constraint: PostgreSQL's own diagnostics (`diag.constraint_name`); on SQLite
    the index name, or `table.column[, table.column]` for a unique index on plain columns."""
    diag = getattr(error.__cause__, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name
    text = str(error)
    match = _SQLITE_INDEX.search(text) or _SQLITE_COLUMNS.search(text)
    return match.group(1) if match else ""
