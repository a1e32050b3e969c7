from __future__ import annotations

import json

from django.shortcuts import render
from django.utils import timezone

from portal.access.models import Privilege
from portal.access.scoping import privilege_required
from portal.audit.forms import AuditFilterForm
from portal.lib.csvexport import csv_download

PAGE_SIZE = 50
CSV_COLUMNS = ["time", "admin", "via", "action", "target_type", "target_id", "target", "organization", "batch", "data"]


def details(data: dict) -> list[tuple[str, str]]:
    """An event's data as short "key: value" pairs for the screen (the CSV keeps everything)."""
    pairs = []
    for key, value in (data or {}).items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value[:4]) + (f" … (+{len(value) - 4})" if len(value) > 4 else "")
        elif isinstance(value, bool):
            shown = "yes" if value else "no"
        else:
            shown = str(value)
        pairs.append((key.replace("_", " "), shown[:120]))
    return pairs


@privilege_required(Privilege.REPORTS)
def event_list(request):
    form = AuditFilterForm(request.GET or None, user=request.user)
    events = form.events()
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(id__lt=int(before))
    rows = list(events[: PAGE_SIZE + 1])
    next_before = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    query = request.GET.copy()
    query.pop("before", None)
    for event in rows:
        event.details = details(event.data)
    return render(request, "audit/list.html", {
        "nav": "audit", "form": form, "events": rows[:PAGE_SIZE], "next_before": next_before,
        "before": before, "query": query.urlencode(),
    })


def _csv_rows(events):
    for e in events.iterator(chunk_size=2000):
        yield [
            e.created_at.isoformat(), e.actor_label, e.via, e.action, e.target_type, e.target_id,
            e.target_label, e.organization.slug if e.organization else "", e.batch_id or "",
            json.dumps(e.data, ensure_ascii=False, sort_keys=True) if e.data else "",
        ]


@privilege_required(Privilege.REPORTS)
def event_csv(request):
    form = AuditFilterForm(request.GET or None, user=request.user)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return csv_download(_csv_rows(form.events()), header=CSV_COLUMNS,
                        filename=f"administrator-activity-{stamp}.csv")
