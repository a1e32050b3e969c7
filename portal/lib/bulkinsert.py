"""A lean `bulk_create` for the batch import's hot tables.

Django's `bulk_create` prepares every value of every row through the field API (~40 µs a row
here), which dominates an import of thousands of rows. `insert_many` prepares only the values
that need it (JSON, dates), converts plain text, numbers, booleans and foreign keys as they are,
and sends multi-row INSERTs (RETURNING the ids where the database can, like `bulk_create`).
Same SQL on SQLite and PostgreSQL; no model `save()` or signals, as with `bulk_create`.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from django.db import connections, models, router
from django.utils import timezone

_AS_IS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


def _converter(field: models.Field, connection):
    """The field's `get_db_prep_save` for the values a bulk insert gets, minus Django's layers where
    they do nothing for them: JSON of plain Python values, aware datetimes (2-3 µs a value)."""
    if isinstance(field, models.JSONField):
        adapt_json, encoder = connection.ops.adapt_json_value, field.encoder
        return lambda value: adapt_json(value, encoder)
    if isinstance(field, models.DateTimeField):
        adapt_datetime = connection.ops.adapt_datetimefield_value
        last: list = [None, None]  # Rows of one insert often share a date (e.g. an expiry): converted once.

        def convert(value):
            if value is not None and value == last[0]:
                return last[1]
            prepared = (adapt_datetime(value) if value is None or timezone.is_aware(value)
                        else field.get_db_prep_save(value, connection))
            last[0], last[1] = value, prepared
            return prepared

        return convert
    return lambda value: field.get_db_prep_save(value, connection)


def insert_many(model, objs: Sequence[models.Model], *, batch_size: int = 500) -> Sequence[models.Model]:
    """INSERT `objs` (unsaved instances of `model`); sets their primary keys when it can."""
    if not objs:
        return objs
    using = router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if f is not pk or getattr(objs[0], pk.attname) is not None]
    now = timezone.now()
    constants: list[tuple[int, object]] = []
    prepared: list[tuple[int, object]] = []
    for index, f in enumerate(fields):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
            constants.append((index, f.get_db_prep_save(now, connection)))
        elif not isinstance(f, _AS_IS):
            prepared.append((index, _converter(f, connection)))
    if not connection.features.can_return_rows_from_bulk_insert:
        return model._default_manager.using(using).bulk_create(objs, batch_size=batch_size)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    size = max(1, min(batch_size, connection.ops.bulk_batch_size(fields, objs) or batch_size))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = pk not in fields
    getter = attrgetter(*[f.attname for f in fields])
    single = len(fields) == 1

    def values_of(obj) -> list:
        row = [getter(obj)] if single else list(getter(obj))
        for index, convert in prepared:
            row[index] = convert(row[index])
        for index, value in constants:
            row[index] = value
        return row

    with connection.cursor() as cursor:
        sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES {one}"
        if connection.vendor == "postgresql":
            # One statement, pipelined: psycopg parses it once (a multi-row VALUES is re-parsed each time).
            sql += f" RETURNING {qn(pk.column)}" if returning else ""
            raw = cursor.cursor
            with connection.wrap_database_errors:  # IntegrityError as Django raises it.
                raw.executemany(sql, [values_of(obj) for obj in objs], returning=returning)
            if returning:
                obj_iter = iter(objs)
                while True:
                    setattr(next(obj_iter), pk.attname, raw.fetchone()[0])
                    if not raw.nextset():
                        break
        else:
            for start in range(0, len(objs), size):
                chunk = objs[start:start + size]
                params = [value for obj in chunk for value in values_of(obj)]
                sql = f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES {', '.join([one] * len(chunk))}"
                if returning:
                    sql += f" RETURNING {qn(pk.column)}"
                cursor.execute(sql, params)
                if returning:
                    for obj, (value,) in zip(chunk, cursor.fetchall()):
                        setattr(obj, pk.attname, value)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return objs


def insert_values(model, columns: Sequence[str], rows: Sequence[tuple], *, batch_size: int = 500,
                  returning: bool = False) -> int | list:
    """INSERT plain tuples of `columns` (attribute names), without building model instances.

    For rows nobody needs as instances (audit events, per-row results, queued invitations).
    Values go through the same preparation as `insert_many`; `auto_now(_add)` fields are filled
    in, and other fields left out get their model default. Returns the row count, or with
    `returning` the new primary keys in the order of `rows`.
    """
    if not rows:
        return [] if returning else 0
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    named = {f.attname for f in fields}
    now = timezone.now()
    extra = [f for f in meta.concrete_fields if f is not meta.pk and f.attname not in named]
    extra_values = [
        f.get_db_prep_save(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                           else f.get_default(), connection)
        for f in extra
    ]
    prepared = [(index, _converter(f, connection)) for index, f in enumerate(fields) if not isinstance(f, _AS_IS)]
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    names = ", ".join(qn(f.column) for f in fields + extra)
    one = "(" + ", ".join(["%s"] * (len(fields) + len(extra))) + ")"
    size = max(1, min(batch_size, 30000 // (len(fields) + len(extra))))
    suffix = f" RETURNING {qn(meta.pk.column)}" if returning else ""

    def convert_row(row) -> list:
        out = list(row)
        for index, convert in prepared:
            out[index] = convert(out[index])
        return out

    def values_of(row) -> list:
        out = convert_row(row)
        out.extend(extra_values)
        return out

    ids: list = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor
            with connection.wrap_database_errors:
                raw.executemany(f"INSERT INTO {table} ({names}) VALUES {one}{suffix}",
                                [values_of(row) for row in rows], returning=returning)
                if returning:
                    while True:
                        ids.append(raw.fetchone()[0])
                        if not raw.nextset():
                            break
            return ids if returning else len(rows)
        # The values every row of a statement shares (the model's defaults of the columns not
        # given, and given columns with one value throughout, e.g. the batch) are converted and
        # sent once per statement, not once per row:
        # INSERT … (varying…, shared…) SELECT column1, …, %s, … FROM (VALUES (varying…), …).
        width = len(fields)
        convert_at = dict(prepared)
        size = max(1, min(batch_size, 30000 // width))
        for start in range(0, len(rows), size):
            chunk = rows[start:start + size]
            first = chunk[0]
            same = [i for i in range(width) if all(row[i] == first[i] for row in chunk)] if len(chunk) > 1 else []
            if len(same) == width:
                same.pop()  # At least one column comes from VALUES.
            same_set = set(same)
            varying = [i for i in range(width) if i not in same_set]
            varying_converted = [(k, convert_at[i]) for k, i in enumerate(varying) if i in convert_at]
            params = [convert_at[i](first[i]) if i in convert_at else first[i] for i in same] + extra_values
            if len(varying) == width and not varying_converted:
                params += [value for row in chunk for value in row]
            else:
                for row in chunk:
                    out = [row[i] for i in varying]
                    for k, convert in varying_converted:
                        out[k] = convert(out[k])
                    params += out
            one = "(" + ", ".join(["%s"] * len(varying)) + ")"
            values = f"VALUES {', '.join([one] * len(chunk))}"
            if params and len(params) > len(chunk) * len(varying):
                column_names = ", ".join(qn(fields[i].column) for i in varying + same) + \
                    "".join(", " + qn(f.column) for f in extra)
                selected = ", ".join([f"column{k}" for k in range(1, len(varying) + 1)]
                                     + ["%s"] * (len(same) + len(extra)))
                sql = f"INSERT INTO {table} ({column_names}) SELECT {selected} FROM ({values}){suffix}"
            else:
                sql = f"INSERT INTO {table} ({names}) {values}{suffix}"
            cursor.execute(sql, params)
            if returning:
                ids.extend(value for (value,) in cursor.fetchall())
    return ids if returning else len(rows)
