"""Recording what admins, API clients, the CLI, batches and tasks did. Services call `record`
explicitly (signals miss writes made outside a request); the only signals used are Django's
sign-in ones (see `portal.audit.signins`).

Who, how and from where are context, set once at each door and read by every event written inside:
- `via(channel)`: portal, api, cli, task or batch (the middleware sets portal/api per request);
- `origin(ip=..., user_agent=...)`: the client of the current request (the middleware sets it);
- `acting(user=..., label=...)`: who a CLI run acts for when a service is given no actor
  (`multiline --as USERNAME`, else the OS user as "cli:root"); outside the CLI an event without an
  actor is the portal's own doing ("system": a delivery failure, an alert).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from portal.access.scoping import home_organization
from portal.audit.models import AuditEvent
from portal.lib.bulkinsert import insert_rows  # Lean multi-row INSERT: batches write thousands.

SYSTEM = "system"
USER_AGENT_MAX = AuditEvent._meta.get_field("user_agent").max_length


@dataclass(frozen=True)
class Origin:
    """Where the request that made the write came from."""

    ip: str | None = None
    user_agent: str = ""


@dataclass(frozen=True)
class Acting:
    """Who writes when a service is called without an actor (the CLI's --as user, or its label)."""

    user: Any = None
    label: str = SYSTEM


_via: contextvars.ContextVar[str] = contextvars.ContextVar("audit_via", default="portal")
_NOWHERE, _NOBODY = Origin(), Acting()  # Frozen: safe as shared defaults.
_origin: contextvars.ContextVar[Origin] = contextvars.ContextVar("audit_origin", default=_NOWHERE)
_acting: contextvars.ContextVar[Acting] = contextvars.ContextVar("audit_acting", default=_NOBODY)


@contextmanager
def _set(var: contextvars.ContextVar, value) -> Iterator[None]:
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)


def via(channel: str):
    """Mark the writes inside as made through `channel` (portal, api, cli, task, batch)."""
    return _set(_via, channel)


def origin(*, ip: str | None, user_agent: str = ""):
    """The client address and user agent of the writes inside (one request)."""
    return _set(_origin, Origin(ip=ip or None, user_agent=(user_agent or "")[:USER_AGENT_MAX]))


def acting(*, user=None, label: str | None = None):
    """Writes inside whose service got no actor are recorded as `user` (or as `label`)."""
    return _set(
        _acting,
        Acting(user=user, label=user.get_username() if user is not None else label or SYSTEM),
    )


def current_via() -> str:
    return _via.get()


def acting_user():
    """The admin a CLI run acts as (`multiline --as USERNAME`), or None: commands pass it to the
    services as `actor`, so that its privileges and scope apply."""
    return _acting.get().user


COLUMNS = (
    "actor_id",
    "actor_label",
    "via",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "organization_id",
    "batch_id",
    "data",
    "ip",
    "user_agent",
)


def row(
    *,
    actor,
    action: str,
    target: Any = None,
    organization=None,
    batch_id: int | None = None,
    data: dict | None = None,
    actor_label: str | None = None,
) -> tuple:
    """One event's values in the order of COLUMNS: what `build` makes an instance of, and what
    `record_many` inserts as it is (batches write thousands of events)."""
    return rows(
        actor=actor,
        action=action,
        organization=organization,
        batch_id=batch_id,
        actor_label=actor_label,
        items=[(target, data)],
    )[0]


def rows(
    *,
    actor,
    action: str,
    organization=None,
    batch_id: int | None = None,
    actor_label: str | None = None,
    items: Iterable[tuple[Any, dict | None]],
) -> list[tuple]:
    """`row` for many (target, data) of one actor and action: who, how and from where are worked
    out once.

    The organization an event concerns: `organization`, else the target's
    own (`target.organization`), else the actor's home organization (the one
    its whole scope hangs from); none for the operator's own objects, which
    only the operator sees. A target may offer `audit_label` for the log.
    """
    if actor is None:
        fallback = _acting.get()
        actor = fallback.user
        label = actor_label or fallback.label
    else:
        label = actor_label or actor.get_username()
    actor_id = actor.pk if actor is not None and actor.pk else None
    channel = current_via()
    where = _origin.get()
    home = _Lazy(lambda: home_organization(actor))
    out = []
    given = organization.pk if organization is not None else None
    for target, data in items:
        organization_id = given
        if organization_id is None:
            org = getattr(target, "organization", None) if target is not None else None
            if org is None:
                org = home.value
            organization_id = org.pk if org is not None else None
        out.append(
            (
                actor_id,
                label,
                channel,
                action,
                target._meta.model_name if target is not None else "",
                str(target.pk) if target is not None else "",
                _label(target),
                organization_id,
                batch_id,
                data or {},
                where.ip,
                where.user_agent,
            )
        )
    return out


class _Lazy:
    """A value computed on first use (the actor's home organization costs a query)."""

    _unset = object()

    def __init__(self, compute):
        self._compute, self._value = compute, self._unset

    @property
    def value(self):
        if self._value is self._unset:
            self._value = self._compute()
        return self._value


def _label(target) -> str:
    if target is None:
        return ""
    return str(getattr(target, "audit_label", None) or target)[:255]


def build(**kwargs) -> AuditEvent:
    return AuditEvent(**dict(zip(COLUMNS, row(**kwargs))))


def record(**kwargs) -> AuditEvent:
    event = build(**kwargs)
    event.save()
    return event


def record_many(events: Iterable[AuditEvent | tuple]) -> None:
    """Insert many events at once: instances from `build`, or value tuples from `row`."""
    insert_rows(
        AuditEvent,
        COLUMNS,
        [
            e if isinstance(e, tuple) else tuple(getattr(e, name) for name in COLUMNS)
            for e in events
        ],
    )


def record_export(
    *,
    actor,
    what: str,
    rows: int,
    organization=None,
    target: Any = None,
    batch_id: int | None = None,
    **details,
) -> AuditEvent:
    """An export of personal data (`export.<what>`): what was exported and how many rows."""
    return record(
        actor=actor,
        action=f"export.{what}",
        target=target,
        organization=organization,
        batch_id=batch_id,
        data={"rows": rows, **{k: v for k, v in details.items() if v not in (None, "", [], {})}},
    )
