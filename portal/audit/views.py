from __future__ import annotations

import json

from django.shortcuts import render
from django.utils import timezone

from portal.access.models import Privilege
from portal.access.scoping import privilege_required
from portal.audit.forms import AuditFilterForm
from portal.audit.services import record_export
from portal.audit.wording import describe, sentence
from portal.lib.csvexport import csv_download

PAGE_SIZE = 50
CSV_COLUMNS = [
    "time",
    "admin",
    "via",
    "event",
    "action",
    "target_type",
    "target_id",
    "target",
    "organization",
    "batch",
    "ip",
    "user_agent",
    "data",
]


@privilege_required(Privilege.REPORTS)
def event_list(request):
    form = AuditFilterForm(request.GET or None, user=request.user)
    events = form.events()
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(id__lt=int(before))
    rows = list(events[: PAGE_SIZE + 1])
    next_before = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    rows = rows[:PAGE_SIZE]
    query = request.GET.copy()
    query.pop("before", None)
    for event, described in zip(rows, describe(rows)):
        event.described = described
    return render(
        request,
        "audit/list.html",
        {
            "nav": "audit",
            "form": form,
            "events": rows,
            "next_before": next_before,
            "before": before,
            "query": query.urlencode(),
        },
    )


def _csv_rows(events):
    for e in events.iterator(chunk_size=2000):
        yield [
            e.created_at.isoformat(),
            e.actor_label,
            e.via,
            sentence(e),
            e.action,
            e.target_type,
            e.target_id,
            e.target_label,
            e.organization.slug if e.organization else "",
            e.batch_id or "",
            e.ip or "",
            e.user_agent,
            json.dumps(e.data, ensure_ascii=False, sort_keys=True) if e.data else "",
        ]


@privilege_required(Privilege.REPORTS)
def event_csv(request):
    form = AuditFilterForm(request.GET or None, user=request.user)
    events = form.events()
    export = record_export(
        actor=request.user,
        what="audit",
        rows=events.count(),
        organization=form.chosen_organization(),
        filters=form.filters(),
    )
    events = events.filter(id__lt=export.pk)  # What was counted, not the export's own event.
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return csv_download(
        _csv_rows(events), header=CSV_COLUMNS, filename=f"administrator-activity-{stamp}.csv"
    )
