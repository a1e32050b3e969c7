"""The batch import's tuple insert, for its hot tables (accounts, invitations, audit events,
per-row results): plain value tuples, no model instances, each database's own bulk path.

- PostgreSQL: `COPY … FROM STDIN` (psycopg 3 `cursor.copy`). When the new ids are wanted they
  are taken from the table's sequence first (one query) and copied with the rows.
- SQLite: one single-row `INSERT` run by `executemany` for every row (the ids follow from
  `last_insert_rowid()`); multi-row `INSERT … VALUES (…), (…) RETURNING id` for a table with
  triggers (the accounts' full-text index). Both through sqlite3's own cursor, NULL defaults
  written in the statement.

Why it exists, measured by `bench/import_accounts.py --compare-insert` (bench/RESULTS.md): Django's
`bulk_create` prepares every value of every row through the field API, and on PostgreSQL sends
one statement per row; for these tables that is most of an import's time. Everywhere else the
portal uses `bulk_create`. Like `bulk_create`: no `save()`, no signals. A refused row (a unique
constraint) raises Django's IntegrityError with the constraint's name (`lib.dberrors`), and the
whole statement is undone, so callers retry row by row in savepoints as before.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from operator import attrgetter

from django.db import connections, models, router, transaction
from django.utils import timezone

# Values of these fields are sent as they are (the driver adapts them).
_AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)


def _converter(field: models.Field, connection):
    """What the field's `get_db_prep_save` does for the values an import gives, minus Django's
    layers where they do nothing: JSON of plain Python values, aware datetimes."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def encode(value):
            if value is None:
                return None
            return "{}" if value == {} else json.dumps(value, cls=encoder)  # (most per-row results)

        return encode
    if isinstance(field, models.DateTimeField):
        adapt_datetime = connection.ops.adapt_datetimefield_value
        last: list = [None, None]  # Rows of one insert often share a date (an expiry): once.

        def convert(value):
            if value is not None and value == last[0]:
                return last[1]
            prepared = (
                adapt_datetime(value)
                if value is None or timezone.is_aware(value)
                else field.get_db_prep_save(value, connection)
            )
            last[0], last[1] = value, prepared
            return prepared

        return convert
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(
    model, columns: Sequence[str], rows: Sequence[Sequence], *, returning: bool = False
) -> int | list[int]:
    """INSERT `rows`, tuples of the values of `columns` (attribute names; extra computed
    columns are simply more names). `auto_now(_add)` fields not given get the time of now, other
    fields not given their model default. Returns the row count, or with `returning` the new
    primary keys in the order of `rows`."""
    if not rows:
        return [] if returning else 0
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    named = {f.attname for f in fields}
    now = timezone.now()
    extra = [f for f in meta.concrete_fields if f is not meta.pk and f.attname not in named]
    extra_values = [
        f.get_db_prep_save(
            now
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default(),
            connection,
        )
        for f in extra
    ]
    prepared = [
        (index, _converter(f, connection))
        for index, f in enumerate(fields)
        if not isinstance(f, _AS_IS)
    ]
    if connection.vendor == "postgresql":
        values_of = _values_of(prepared, extra_values)
        return _copy(connection, meta, fields + extra, rows, values_of, returning)
    # SQLite: the columns every row leaves NULL are written NULL in the statement, not bound.
    nulls = [f for f, value in zip(extra, extra_values) if value is None]
    extra = [f for f, value in zip(extra, extra_values) if value is not None]
    values_of = _values_of(prepared, [value for value in extra_values if value is not None])
    return _insert_sqlite(connection, meta, fields + extra, nulls, rows, values_of, returning)


def _values_of(prepared, extra_values):
    """A row's values as the database takes them: converted where a field needs it, then the
    values of the fields not given (the same for every row)."""

    def values_of(row) -> list:
        out = list(row)
        for index, convert in prepared:
            out[index] = convert(out[index])
        out.extend(extra_values)
        return out

    return values_of


_TRIGGERS: dict[tuple[str, str], bool] = {}


def _has_triggers(connection, table: str) -> bool:
    """Whether inserting into `table` fires a trigger (the accounts' full-text index)."""
    key = (connection.settings_dict["NAME"], table)
    if key not in _TRIGGERS:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
            )
            _TRIGGERS[key] = cursor.fetchone() is not None
    return _TRIGGERS[key]


def _insert_sqlite(connection, meta, fields, nulls, rows, values_of, returning: bool):
    """SQLite, through sqlite3's own cursor with its own `?` placeholders (Django's wrapper would
    rewrite each `%s` of a statement of 10,000: a regular expression over 45 KB, ~1 ms a
    statement; such rows are then not in Django's query log), database errors translated by Django
    as for any statement. `nulls`: columns written NULL by the statement itself.

    A table without triggers: one single-row INSERT that `executemany` runs for every row (its
    loop is C), inside a savepoint so that a refused row undoes the whole call, as one statement
    would. The new ids are consecutive: this connection inserts the rows one after the other while
    it holds SQLite's write lock (from the first row to the end of the transaction), so no other
    connection's row comes between them; the last one is `last_insert_rowid()`. A table whose
    inserts feed a full-text index (FTS5 writes its pending terms at the end of each statement)
    gets multi-row INSERTs instead: 2.4× faster there."""
    qn = connection.ops.quote_name
    names = ", ".join(qn(f.column) for f in fields + nulls)
    places = "(" + ", ".join(["?"] * len(fields) + ["NULL"] * len(nulls)) + ")"
    table = qn(meta.db_table)
    connection.ensure_connection()
    raw = connection.connection.cursor()
    try:
        with connection.wrap_database_errors:
            if not _has_triggers(connection, meta.db_table):
                with transaction.atomic(using=connection.alias):
                    raw.executemany(
                        f"INSERT INTO {table} ({names}) VALUES {places}",
                        [values_of(row) for row in rows],
                    )
                    if not returning:
                        return len(rows)
                    (last,) = raw.execute("SELECT last_insert_rowid()").fetchone()
                return list(range(last - len(rows) + 1, last + 1))
            size = max(1, min(500, 30000 // max(len(fields), 1)))  # ≤ 32,766 values a statement
            suffix = f" RETURNING {qn(meta.pk.column)}" if returning else ""
            ids: list[int] = []
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                raw.execute(
                    f"INSERT INTO {table} ({names}) VALUES "
                    + ", ".join([places] * len(chunk))
                    + suffix,
                    [value for row in chunk for value in values_of(row)],
                )
                if returning:
                    ids.extend(value for (value,) in raw.fetchall())
            return ids if returning else len(rows)
    finally:
        raw.close()


def _copy(connection, meta, fields, rows, values_of, returning: bool) -> int | list[int]:
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    names = [qn(f.column) for f in fields]
    ids: list[int] = []
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no `copy`.
        if returning:
            raw.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            ids = [value for (value,) in raw.fetchall()]
            names.insert(0, qn(meta.pk.column))
        with raw.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            if returning:
                for pk, row in zip(ids, rows):
                    copy.write_row([pk, *values_of(row)])
            else:
                for row in rows:
                    copy.write_row(values_of(row))
    return ids if returning else len(rows)


def insert_objects(model, objs: Sequence[models.Model]) -> Sequence[models.Model]:
    """`insert_rows` of unsaved instances (every concrete field but the primary key, which is
    set on them, with `auto_now(_add)` fields, as `bulk_create` does)."""
    if not objs:
        return objs
    meta = model._meta
    now = timezone.now()
    stamped = [
        f.attname
        for f in meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    columns = [f.attname for f in meta.concrete_fields if f is not meta.pk]
    for obj in objs:
        for name in stamped:
            setattr(obj, name, now)
    values = attrgetter(*columns)
    ids = insert_rows(model, columns, [values(obj) for obj in objs], returning=True)
    using = router.db_for_write(model)
    pk_name = meta.pk.attname
    for obj, pk in zip(objs, ids):
        setattr(obj, pk_name, pk)  # what `obj.pk = pk` does for a model without parents
        obj._state.adding = False
        obj._state.db = using
    return objs
