"""Recording what admins, API clients, batches and tasks did. Services call `record` explicitly."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from contextlib import contextmanager
from typing import Any

from portal.audit.models import AuditEvent
from portal.lib.bulkinsert import insert_values  # Lean multi-row INSERT: batches write thousands.

_via: contextvars.ContextVar[str] = contextvars.ContextVar("audit_via", default="portal")


@contextmanager
def via(channel: str):
    """Mark the writes inside as made through `channel` (portal, api, cli, task, batch)."""
    token = _via.set(channel)
    try:
        yield
    finally:
        _via.reset(token)


def current_via() -> str:
    return _via.get()


def _actor_label(actor) -> str:
    if actor is None:
        return "system"
    return actor.get_username()


COLUMNS = ("actor_id", "actor_label", "via", "action", "target_type", "target_id", "target_label",
           "organization_id", "batch_id", "data")


def row(
    *,
    actor,
    action: str,
    target: Any = None,
    organization=None,
    batch_id: int | None = None,
    data: dict | None = None,
) -> tuple:
    """One event's values in the order of COLUMNS: what `build` makes an instance of, and what
    `record_many` inserts as it is (batches write thousands of events)."""
    return rows(actor=actor, action=action, organization=organization, batch_id=batch_id,
                items=[(target, data)])[0]


def rows(*, actor, action: str, organization=None, batch_id: int | None = None,
         items: Iterable[tuple[Any, dict | None]]) -> list[tuple]:
    """`row` for many (target, data) of one actor and action: who and how are worked out once."""
    actor_id = actor.pk if actor is not None and actor.pk else None
    label = _actor_label(actor)
    channel = current_via()
    out = []
    for target, data in items:
        org = organization
        if org is None and target is not None:
            org = getattr(target, "organization", None)
        out.append((
            actor_id, label, channel, action,
            target._meta.model_name if target is not None else "",
            str(target.pk) if target is not None else "",
            str(target)[:255] if target is not None else "",
            org.pk if org is not None else None,
            batch_id,
            data or {},
        ))
    return out


def build(**kwargs) -> AuditEvent:
    return AuditEvent(**dict(zip(COLUMNS, row(**kwargs))))


def record(**kwargs) -> AuditEvent:
    event = build(**kwargs)
    event.save()
    return event


def record_many(events: Iterable[AuditEvent | tuple]) -> None:
    """Insert many events at once: instances from `build`, or value tuples from `row`."""
    insert_values(AuditEvent, COLUMNS, [
        e if isinstance(e, tuple) else tuple(getattr(e, name) for name in COLUMNS) for e in events])
