"""One job abstraction (portal.jobs.models.Job, portal.jobs.runner) for batches and bulk jobs:
the same claim, fence, finish, resume and sweep for both kinds; a batch's upload kept in a table
of its own (JobUpload), out of the batch's row, and moved there from the row by a migration."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.batches.models import Batch
from portal.batches.services import batch_create, report_rows
from portal.batches.tests import files
from portal.jobs import runner
from portal.jobs.models import BulkJob, Job, JobUpload
from portal.jobs.sweep import KINDS, sweep


def ago(settings, extra: float):
    return timezone.now() - timedelta(seconds=settings.WORKER_DEAD_AFTER + extra)


def people(count: int = 3) -> bytes:
    return files.excel_csv_utf8([files.row(email=f"job{i}@example.com") for i in range(count)])


def a_batch(alice, group_a) -> Batch:
    return batch_create(
        actor=alice,
        organization=group_a.organization,
        permission_group=group_a,
        filename="people.csv",
        data=people(),
        enqueue=False,
    )


def a_bulk_job(alice) -> BulkJob:
    return BulkJob.objects.create(action="suspend", created_by=alice, account_ids=[], total=0)


@pytest.fixture(params=["batch", "bulk job"])
def job(request, alice, group_a) -> Job:
    """A queued job of each kind."""
    return a_batch(alice, group_a) if request.param == "batch" else a_bulk_job(alice)


# ---------------------------------------------------------------- the upload, outside the row


def test_a_batch_keeps_its_upload_in_a_table_of_its_own(alice, group_a, api):
    data = people()
    batch = batch_create(
        actor=alice,
        organization=group_a.organization,
        permission_group=group_a,
        filename="people.csv",
        data=data,
        enqueue=False,
    )
    assert not [f for f in Batch._meta.concrete_fields if isinstance(f, models.BinaryField)]
    upload = JobUpload.objects.get(batch=batch)
    assert (upload.filename, upload.size, upload.sha256) == (
        "people.csv",
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
    assert JobUpload.read(upload.pk) == data
    # The report reads the file from there; listing and polling batches never load it.
    assert [r[2] for r in list(report_rows(batch))[1:]] == [f"job{i}@example.com" for i in range(3)]
    client = api(alice)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/batches").status_code == 200
        assert client.get(f"/api/v1/batches/{batch.pk}").status_code == 200
    assert not [q["sql"] for q in queries if JobUpload._meta.db_table in q["sql"]]


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_each_stored_upload_out_of_its_batch_row(alice, group_a):
    from django.db.migrations.executor import MigrationExecutor

    before = [("batches", "0004_worker_heartbeat"), ("jobs", "0003_worker_heartbeat")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("batches", "Batch")
        data = people()
        stored = [
            old.objects.create(
                organization_id=group_a.organization_id,
                permission_group_id=group_a.pk,
                filename=f"file{i}.csv",
                content=data + b"x" * i,
                total=3,
            )
            for i in range(2)
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        # Back to every app's newest migration, not a list written down once: a later migration
        # left unapplied breaks every test after this one (a column the code needs is missing).
        executor.migrate(executor.loader.graph.leaf_nodes())
    for i, row in enumerate(stored):
        batch = Batch.objects.get(pk=row.pk)
        assert JobUpload.read(batch.upload_id) == data + b"x" * i
        assert (batch.upload.filename, batch.upload.size) == (f"file{i}.csv", len(data) + i)


# ---------------------------------------------------------------- one runner for both kinds


def test_a_job_is_claimed_by_one_run_and_only_its_last_run_writes(job):
    model = type(job)
    run = runner.claim(model, job.pk)
    assert run is not None and run.number == 1
    assert runner.claim(model, job.pk) is None  # Taken.
    run.progress(processed=1)
    model.objects.filter(pk=job.pk).update(runs=2)  # The sweep gave it to a later run meanwhile.
    with pytest.raises(runner.RunLost):
        run.fence()
    with pytest.raises(runner.RunLost):
        run.progress(processed=2)
    assert not run.finish() and not run.fail("too late")
    job.refresh_from_db()
    assert (job.status, job.processed, job.started_at is not None) == ("running", 1, True)


def test_a_failed_or_stalled_job_is_resumed_a_live_one_is_not(job, settings):
    model = type(job)
    run = runner.claim(model, job.pk)
    assert not runner.resume(model, job.pk)  # Running, with a fresh heartbeat.
    model.objects.filter(pk=job.pk).update(heartbeat_at=ago(settings, 1))
    assert model.objects.get(pk=job.pk).stalled
    assert runner.resume(model, job.pk)
    job.refresh_from_db()
    assert (job.status, job.recoveries) == ("queued", 0)
    run = runner.claim(model, job.pk)
    assert run.fail("Stopped: the disk is full") and runner.resume(model, job.pk)
    run = runner.claim(model, job.pk)
    assert run.number == 3 and run.finish()
    job.refresh_from_db()
    assert (job.status, job.percent, job.finished, job.error) == ("completed", 100, True, "")


def test_one_sweep_queues_a_lost_batch_and_a_lost_bulk_job_again_through_the_same_code(
    alice, group_a, settings, django_capture_on_commit_callbacks
):
    assert {kind.model for kind in KINDS} == {Batch, BulkJob}
    batch, bulk = a_batch(alice, group_a), a_bulk_job(alice)
    for model, pk in ((Batch, batch.pk), (BulkJob, bulk.pk)):  # One lost its worker, one its task.
        model.objects.filter(pk=pk).update(created_at=ago(settings, 1))
    Batch.objects.filter(pk=batch.pk).update(
        status="running", runs=1, heartbeat_at=ago(settings, 1)
    )
    with django_capture_on_commit_callbacks(execute=True) as queued:
        counts = sweep()
    assert (counts["batches"], counts["bulk_jobs"]) == (1, 1) and len(queued) == 2
    for job in (batch, bulk):
        job.refresh_from_db()
        assert (job.status, job.recoveries) == ("queued", 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep()["batches"] == sweep()["bulk_jobs"] == 0  # Their tasks wait in the queue now.


def test_one_sweep_gives_up_on_both_kinds_after_the_same_number_of_recoveries(
    alice, group_a, settings, django_capture_on_commit_callbacks
):
    batch, bulk = a_batch(alice, group_a), a_bulk_job(alice)
    for model, pk in ((Batch, batch.pk), (BulkJob, bulk.pk)):
        model.objects.filter(pk=pk).update(
            status="running",
            runs=3,
            heartbeat_at=ago(settings, 1),
            recoveries=settings.WORKER_MAX_RECOVERIES,
        )
    with django_capture_on_commit_callbacks(execute=True):
        counts = sweep()
    assert (counts["batches"], counts["bulk_jobs"]) == (1, 1)
    batch.refresh_from_db()
    bulk.refresh_from_db()
    assert batch.status == bulk.status == "failed"
    assert (
        "its worker stopped (no heartbeat for" in batch.error and "Resume the batch" in batch.error
    )
    assert f"Its worker stopped {settings.WORKER_MAX_RECOVERIES + 1} times" in bulk.error


def test_every_kind_of_job_is_swept():
    concrete = {m for m in apps.get_models() if issubclass(m, Job)}
    assert concrete == {kind.model for kind in KINDS}
    assert len({kind.name for kind in KINDS}) == len(KINDS)
