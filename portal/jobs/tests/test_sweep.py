"""The sweep, in-process on both databases: what lost its worker or its task is queued again and
finished once; what is alive is left alone; Resume tells a dead run from a live one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.accounts.lifecycle import bulk_run
from portal.accounts.models import Account, AccountStatus
from portal.batches.models import Batch
from portal.batches.services import batch_create, batch_resume
from portal.batches.tests import files
from portal.jobs.models import BulkJob
from portal.jobs.sweep import sweep
from portal.lib import heartbeat
from portal.lib.errors import Conflict


def ago(settings, extra: float) -> timezone.datetime:
    return timezone.now() - timedelta(seconds=settings.WORKER_DEAD_AFTER + extra)


def upload(alice, group_a, rows: int = 3) -> Batch:
    data = files.excel_csv_utf8([files.row(email=f"swept{i}@example.com") for i in range(rows)])
    return batch_create(
        actor=alice,
        organization=group_a.organization,
        permission_group=group_a,
        filename="people.csv",
        data=data,
        enqueue=False,
    )


def test_a_batch_whose_task_was_lost_is_queued_again_and_completes(
    alice, group_a, settings, run_tasks, django_capture_on_commit_callbacks
):
    batch = upload(alice, group_a)  # Its task never made it to the queue.
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["batches"] == 0  # Too recent: its task may be on its way.
    Batch.objects.filter(pk=batch.pk).update(created_at=ago(settings, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["batches"] == 1
    run_tasks()
    batch.refresh_from_db()
    assert (batch.status, batch.processed, batch.succeeded, batch.recoveries) == (
        "completed",
        3,
        3,
        1,
    )


def test_a_queued_batch_with_its_task_waiting_is_left_alone(
    alice, group_a, settings, django_capture_on_commit_callbacks
):
    from portal.batches.tasks import run_batch

    batch = upload(alice, group_a)
    run_batch.enqueue(batch_id=batch.pk)  # Waiting behind a long queue.
    Batch.objects.filter(pk=batch.pk).update(created_at=ago(settings, 60))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["batches"] == 0


def test_a_running_batch_without_heartbeat_is_resumed_by_the_sweep_and_resume_tells_dead_from_alive(
    alice, group_a, settings, run_tasks, django_capture_on_commit_callbacks
):
    batch = upload(alice, group_a)
    Batch.objects.filter(pk=batch.pk).update(status="running", runs=1, heartbeat_at=timezone.now())
    with pytest.raises(Conflict, match="still making progress"):
        batch_resume(actor=alice, batch=batch, enqueue=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["batches"] == 0  # Alive: its heartbeat is fresh.
    Batch.objects.filter(pk=batch.pk).update(heartbeat_at=ago(settings, 1))
    assert Batch.objects.get(
        pk=batch.pk
    ).stalled  # Known dead after WORKER_DEAD_AFTER, not 5 minutes.
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["batches"] == 1
    run_tasks()
    batch.refresh_from_db()
    assert (batch.status, batch.processed, batch.runs, batch.recoveries) == ("completed", 3, 2, 1)


def test_what_this_process_runs_is_not_swept_even_if_its_beats_were_late(alice, group_a, settings):
    batch = upload(alice, group_a)
    Batch.objects.filter(pk=batch.pk).update(
        status="running", runs=1, heartbeat_at=ago(settings, 1)
    )
    with heartbeat.hold(Batch, [batch.pk]):
        assert sweep()["batches"] == 0
        assert heartbeat.beat() == 1
    assert Batch.objects.get(pk=batch.pk).heartbeat_at > ago(settings, -5)


def test_a_batch_that_keeps_losing_its_worker_is_failed_with_the_reason_and_can_be_resumed(
    alice, group_a, settings, django_capture_on_commit_callbacks
):
    batch = upload(alice, group_a)
    Batch.objects.filter(pk=batch.pk).update(
        status="running",
        runs=6,
        recoveries=settings.WORKER_MAX_RECOVERIES,
        heartbeat_at=ago(settings, 1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["batches"] == 1
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert (
        "its worker stopped (no heartbeat for" in batch.error and "Resume the batch" in batch.error
    )
    batch = batch_resume(actor=alice, batch=batch, enqueue=False)
    assert (batch.status, batch.recoveries) == ("queued", 0)


def test_a_run_that_lost_the_batch_to_a_later_run_writes_nothing(alice, group_a, monkeypatch):
    from portal.batches import services

    batch = upload(alice, group_a)
    real = services._fence

    def a_later_run_took_it(batch_id, run):  # The sweep gave the batch to another run meanwhile.
        Batch.objects.filter(pk=batch_id).update(runs=run + 1)
        real(batch_id, run)

    monkeypatch.setattr(services, "_fence", a_later_run_took_it)
    assert services.batch_run(batch_id=batch.pk) is None
    batch.refresh_from_db()
    assert (batch.status, batch.processed) == ("running", 0)  # Left to the later run.
    assert not Account.objects.filter(email__startswith="swept").exists()


def test_a_bulk_job_whose_worker_died_is_resumed_and_skips_what_was_done(
    alice, org_a, group_a, settings, run_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    from portal.accounts import lifecycle

    monkeypatch.setattr(lifecycle, "BULK_TASK_THRESHOLD", 1)
    Account.objects.bulk_create(
        [
            Account(
                organization=org_a,
                permission_group=group_a,
                first_name="Bulk",
                last_name=str(i),
                email=f"bulk{i}@example.com",
            )
            for i in range(6)
        ]
    )
    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    outcome = bulk_run(
        actor=alice, action="suspend", accounts=Account.objects.filter(pk__in=ids), by_filter=True
    )
    job = outcome.job
    # Its worker suspended the first two and died.
    Account.objects.filter(pk__in=ids[:2]).update(status=AccountStatus.SUSPENDED)
    BulkJob.objects.filter(pk=job.pk).update(
        status="running",
        runs=1,
        heartbeat_at=ago(settings, 1),
        processed=2,
        done=2,
        results=[{"id": pk, "account": "", "result": "done", "reason": ""} for pk in ids[:2]],
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["bulk_jobs"] == 1
    run_tasks()
    job.refresh_from_db()
    assert (job.status, job.processed, job.done, job.skipped) == ("completed", 6, 6, 0)
    assert sorted(r["id"] for r in job.results) == ids
    assert Account.objects.filter(status=AccountStatus.SUSPENDED).count() == 6
