"""What the database reports about a refused write, by the constraint's name (never its wording).

Code that reacts to an IntegrityError asks `violated(error, model)` and compares the answer with
the `name=` of the model's UniqueConstraint (or `unique_field(model, "field")` for a field's own
`unique=True` / OneToOneField, whose index the database names itself).
"""

from __future__ import annotations

import re

from django.db import IntegrityError, models

# SQLite's message is all it gives: "UNIQUE constraint failed: index 'name'" for an expression
# index, else the columns, "UNIQUE constraint failed: table.column[, table.column]". This is the
# one place that reads it.
_SQLITE_INDEX = re.compile(r"constraint failed: index '([^']+)'")
_SQLITE_COLUMNS = re.compile(r"constraint failed: ([\w.]+(?:, [\w.]+)*)")


def violated_constraint(error: IntegrityError) -> str:
    """The violated constraint as the database names it: PostgreSQL's own diagnostics
    (`diag.constraint_name`); on SQLite the index name, or `table.column[, table.column]`."""
    diag = getattr(error.__cause__, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name
    text = str(error)
    match = _SQLITE_INDEX.search(text) or _SQLITE_COLUMNS.search(text)
    return match.group(1) if match else ""


def unique_field(model: type[models.Model], field: str) -> str:
    """The name `violated` gives a field's own unique index: "table.column"."""
    return f"{model._meta.db_table}.{model._meta.get_field(field).column}"


def violated(error: IntegrityError, model: type[models.Model]) -> str:
    """The name of `model`'s constraint that `error` broke, the same on both databases: a
    UniqueConstraint's `name`, `unique_field(model, …)` for a unique field, else what the database
    said (another table's constraint, a check)."""
    name = violated_constraint(error)
    meta = model._meta
    table = meta.db_table
    named = [c for c in meta.constraints if isinstance(c, models.UniqueConstraint)]
    if any(c.name == name for c in named):
        return name
    if name.startswith(f"{table}."):  # SQLite: the columns of a plain unique index.
        columns = [part.split(".", 1)[1] for part in name.split(", ")]
        for constraint in named:
            if (
                constraint.fields
                and [meta.get_field(f).column for f in constraint.fields] == columns
            ):
                return constraint.name
        return f"{table}.{columns[0]}" if len(columns) == 1 else name
    # PostgreSQL: a unique field's index is named by the database or by Django from the table
    # and the column ("<table>_<column>_key", "<table>_<column>_<hash>_uniq").
    for field in meta.concrete_fields:
        if field.unique and not field.primary_key and name.startswith(f"{table}_{field.column}_"):
            return f"{table}.{field.column}"
    return name
