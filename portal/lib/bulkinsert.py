"""A lean `bulk_create` for the batch import's hot tables.

Django's `bulk_create` prepares every value of every row through the field API (~40 µs a row
here), which dominates an import of thousands of rows. `insert_many` prepares only the values
that need it (JSON, dates), converts plain text, numbers, booleans and foreign keys as they are,
and sends multi-row INSERTs (RETURNING the ids where the database can, like `bulk_create`).
Same SQL on SQLite and PostgreSQL; no model `save()` or signals, as with `bulk_create`.
"""

from __future__ import annotations

from typing import Sequence

from django.db import connections, models, router
from django.utils import timezone

_AS_IS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


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
    plan = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
            plan.append((0, f.get_db_prep_save(now, connection)))
        elif isinstance(f, _AS_IS):
            plan.append((1, f.attname))
        else:
            plan.append((2, f))
    if not connection.features.can_return_rows_from_bulk_insert:
        return model._default_manager.using(using).bulk_create(objs, batch_size=batch_size)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    size = max(1, min(batch_size, connection.ops.bulk_batch_size(fields, objs) or batch_size))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = pk not in fields
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start:start + size]
            params = []
            for obj in chunk:
                for kind, what in plan:
                    if kind == 1:
                        value = getattr(obj, what)
                        params.append(value.value if isinstance(value, models.Choices) else value)
                    elif kind == 0:
                        params.append(what)
                    else:
                        params.append(what.get_db_prep_save(getattr(obj, what.attname), connection))
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


def insert_values(model, columns: Sequence[str], rows: Sequence[tuple], *, batch_size: int = 500) -> int:
    """INSERT plain tuples of `columns` (attribute names), without building model instances.

    For append-only rows nobody reads back at once (per-row results). Values go through the same
    preparation as `insert_many`; `auto_now(_add)` fields are filled in. Returns the row count.
    """
    if not rows:
        return 0
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    stamps = [f for f in meta.concrete_fields
              if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) and f.attname not in columns]
    stamp_values = [f.get_db_prep_save(timezone.now(), connection) for f in stamps]
    prepare = [None if isinstance(f, _AS_IS) else f for f in fields]
    qn = connection.ops.quote_name
    names = ", ".join(qn(f.column) for f in fields + stamps)
    one = "(" + ", ".join(["%s"] * (len(fields) + len(stamps))) + ")"
    size = max(1, min(batch_size, 30000 // (len(fields) + len(stamps))))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start:start + size]
            params = []
            for row in chunk:
                for value, field in zip(row, prepare):
                    params.append(value if field is None else field.get_db_prep_save(value, connection))
                params.extend(stamp_values)
            cursor.execute(f"INSERT INTO {qn(meta.db_table)} ({names}) VALUES {', '.join([one] * len(chunk))}",
                           params)
    return len(rows)
