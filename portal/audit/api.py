"""Audit events API (/api/v1/audit-events): the activity log in pages, for a SIEM to collect.

Oldest first by event id (a stable order that new events only extend): pass the page's `next` as
`after` to get the following page, and keep the last id to ask for newer events later. Needs the
Reports privilege; an admin reads the events of its organizations (sub-organizations included),
the operator all of them.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja import Query, Router, Schema
from pydantic import Field

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, require_privilege
from portal.audit.models import AuditEvent
from portal.audit.selectors import events_for
from portal.audit.wording import organization_names, sentence
from portal.lib.errors import DomainError
from portal.organizations.models import Organization

router = Router(tags=["audit"])

MAX_LIMIT = 1000


class TargetOut(Schema):
    type: str = Field(description="What kind of object: account, user, role, batch, organization…")
    id: str
    label: str


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor: str = Field(
        description="Username; cli:<os user> for the command line without --as; system; "
        "anonymous for a failed sign-in"
    )
    via: str = Field(description="portal, api, cli, task or batch")
    action: str = Field(description="e.g. account.suspend, signin.failed, export.accounts")
    summary: str = Field(description="The event in words, as the activity screen shows it")
    organization: str | None = Field(
        description="Slug of the organization it concerns; null: operator only"
    )
    target: TargetOut | None
    batch: int | None
    ip: str | None
    user_agent: str
    details: dict


class AuditEventPage(Schema):
    items: list[AuditEventOut]
    next: int | None = Field(
        None,
        description="Pass as `after` for the next page; null when this page "
        "reached the newest event",
    )


class EventQuery(Schema):
    organization: str | None = Field(None, description="Slug; its sub-organizations are included")
    actor: str | None = Field(None, description="Username (any case), or cli:<os user>")
    action: str | None = Field(None, description="A code, or a prefix such as signin.* or export.*")
    after: str | None = Field(
        None,
        description="An event id (the previous page's `next`), or an ISO 8601 "
        "date and time: the events after it",
    )
    limit: int = Field(100, ge=1, le=MAX_LIMIT)


def _after(value: str | None) -> tuple[int | None, datetime | None]:
    value = (value or "").strip()
    if not value:
        return None, None
    if value.isdigit():
        return int(value), None
    moment = parse_datetime(value)
    if moment is None:
        raise DomainError(
            f"“{value}” is neither an event id nor an ISO 8601 date and time.",
            fields={"after": ["an event id, or a date and time such as 2026-12-01T09:30:00Z"]},
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return None, moment


def event_out(event: AuditEvent, names: dict[str, str]) -> dict:
    return {
        "id": event.pk,
        "at": event.created_at,
        "actor": event.actor_label,
        "via": event.via,
        "action": event.action,
        "summary": sentence(event, names),
        "organization": event.organization.slug if event.organization else None,
        "target": {"type": event.target_type, "id": event.target_id, "label": event.target_label}
        if event.target_type
        else None,
        "batch": event.batch_id,
        "ip": event.ip,
        "user_agent": event.user_agent,
        "details": event.data or {},
    }


@router.get(
    "", response=AuditEventPage, summary="Audit events, oldest first (keyset pages, for a SIEM)"
)
def list_events(request, filters: Query[EventQuery]):
    require_privilege(request.user, Privilege.REPORTS)
    after_id, after_time = _after(filters.after)
    organization = None
    if filters.organization:
        organization = get_object_for(request.user, Organization.objects, slug=filters.organization)
    events = events_for(
        request.user,
        organization=organization,
        actor=filters.actor or "",
        action=filters.action or "",
    )
    if after_id is not None:
        events = events.filter(id__gt=after_id)
    if after_time is not None:
        events = events.filter(created_at__gt=after_time)
    page = list(events.select_related("organization").order_by("id")[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    names = organization_names(page)
    return {"items": [event_out(e, names) for e in page], "next": page[-1].pk if more else None}
