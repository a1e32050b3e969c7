"""Records of bulk actions: the results page of a portal
action reads one, so a reload repeats nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils import timezone

from portal.jobs.models import BulkJob, JobStatus


def job_record(
    *,
    actor,
    action: str,
    results: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any] | None = None,
    done_result: str = "done",
) -> BulkJob:
    """A finished job holding the per-item `results` of an action run at once (each a dict with a
    `result`, e.g. done / skipped, and for accounts `id`, `account`, `reason`): the page the portal
    redirects to. `done_result` is the result counted as done."""
    rows = [dict(r) for r in results]
    done = sum(1 for r in rows if r.get("result") == done_result)
    now = timezone.now()
    return BulkJob.objects.create(
        action=action,
        created_by=actor if actor is not None and actor.pk else None,
        account_ids=[r["id"] for r in rows if r.get("id") is not None],
        params=dict(params or {}),
        status=JobStatus.COMPLETED,
        total=len(rows),
        processed=len(rows),
        done=done,
        skipped=len(rows) - done,
        results=rows,
        started_at=now,
        finished_at=now,
    )
