"""Recording what admins, API clients, batches and tasks did. Services call `record` explicitly."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from contextlib import contextmanager
from typing import Any

from portal.audit.models import AuditEvent

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


def build(
    *,
    actor,
    action: str,
    target: Any = None,
    organization=None,
    batch_id: int | None = None,
    data: dict | None = None,
) -> AuditEvent:
    if organization is None and target is not None:
        organization = getattr(target, "organization", None)
    return AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=_actor_label(actor),
        via=current_via(),
        action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        organization=organization,
        batch_id=batch_id,
        data=data or {},
    )


def record(**kwargs) -> AuditEvent:
    event = build(**kwargs)
    event.save()
    return event


def record_many(events: Iterable[AuditEvent]) -> None:
    from portal.lib.bulkinsert import insert_many  # Lean multi-row INSERT: batches write thousands.

    insert_many(AuditEvent, list(events))
