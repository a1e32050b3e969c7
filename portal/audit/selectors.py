"""The events an admin may read, filtered: one query for the
activity screen, its CSV and the API."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from portal.audit.models import AuditEvent
from portal.organizations.models import Organization


def events_for(
    user,
    *,
    organization: Organization | None = None,
    actor: str = "",
    action: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    target: str = "",
) -> QuerySet[AuditEvent]:
    """The events `user` may see (the operator: all; an admin: those filed under an organization
    of its scope, its sub-organizations included; never the operator's own, filed under none).

    `organization`: that organization and its sub-organizations (the caller checked it is in
    scope). `actor`: a username, any case. `action`: a code, or a prefix ending in "." or ".*"
    ("signin.*": every sign-in event). `since`/`until`: created at or after / before.
    """
    events = AuditEvent.objects.visible_to(user)
    if organization is not None:
        events = events.filter(organization__in=Organization.objects.subtree_of([organization]))
    if actor:
        events = events.filter(actor_label__iexact=actor.strip())
    action = action.strip()
    if action.endswith((".", ".*")):
        events = events.filter(action__startswith=action.rstrip("*"))
    elif action:
        events = events.filter(action=action)
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    if target:
        events = events.filter(target_label__icontains=target.strip())
    return events


def actions_seen(user) -> list[str]:
    """The action codes among the events `user` may see (the screen's action filter)."""
    return list(
        AuditEvent.objects.visible_to(user)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
