"""Running a job (portal.jobs.models.Job: a Batch, a BulkJob), written once for every kind.

A run `claim`s a queued job (one conditional UPDATE: queued → running, its run number + 1); while
it works, each of its writes goes through its `Run`, which writes only while that run is still
the job's last (`fence`, `progress`, `finish`): a run the sweep has given up on and queued again
finds its writes refused (`RunLost`) and stops. The worker's pulse thread beats the rows a task
holds (portal.lib.heartbeat); the sweep (portal.jobs.sweep) calls `requeue_lost` for each `Kind`
of job; `resume` is the admin's way to queue a failed or stalled job again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.jobs.models import Job, JobStatus, dead_after
from portal.lib import heartbeat
from portal.lib.taskqueue import waiting_values
from portal.lib.tasks import connections_tidy

log = logging.getLogger(__name__)


class RunLost(Exception):
    """Another run has the job now: the sweep found this run's heartbeat stale, queued it again."""


@dataclass(frozen=True)
class Kind:
    """One kind of job: its model, the task that runs one (called with `argument=pk`), and what
    to do with one that keeps losing its worker (`give_up(lost, why)`: mark it failed; True when
    it did). `name` is its key in the sweep's counts; `label` names one in the log."""

    name: str
    label: str
    model: type[Job]
    task: str  # dotted path of the task, resolved when needed (tasks import their services)
    argument: str
    give_up: Callable[[heartbeat.Lost, str], bool]

    def enqueue(self, pk: int, *, run_after=None) -> None:
        task = import_string(self.task)
        if run_after is not None:
            task = task.using(run_after=run_after)
        task.enqueue(**{self.argument: pk})

    def enqueue_on_commit(self, pk: int, *, run_after=None) -> None:
        transaction.on_commit(lambda: self.enqueue(pk, run_after=run_after))


@dataclass(frozen=True)
class Run:
    """One run of one job: its writes succeed only while it is the job's last run."""

    model: type[Job]
    pk: int
    number: int

    def mine(self) -> QuerySet:
        return self.model.objects.filter(pk=self.pk, status=JobStatus.RUNNING, runs=self.number)

    def fence(self) -> None:
        """In a chunk's transaction, before its writes: this run still has the job, and keeps it
        until the chunk commits (the UPDATE locks the row on PostgreSQL; it also beats)."""
        if not self.mine().update(heartbeat_at=timezone.now()):
            raise RunLost(self.pk)

    def progress(self, **values) -> None:
        """Write the job's progress (and a beat), or RunLost if a later run has it."""
        if not self.mine().update(heartbeat_at=timezone.now(), **values):
            raise RunLost(self.pk)

    def finish(self, **values) -> bool:
        """Completed (with `values`), if this run still has it."""
        return bool(
            self.mine().update(status=JobStatus.COMPLETED, finished_at=timezone.now(), **values)
        )

    def fail(self, error: str) -> bool:
        """Failed with `error`, if this run still has it."""
        return bool(
            self.mine().update(
                status=JobStatus.FAILED, error=error[:5000], finished_at=timezone.now()
            )
        )

    def retry_soon(self, kind: Kind, error: BaseException) -> bool:
        """After a transient database failure, queue the job again in WORKER_HEARTBEAT seconds (at
        most WORKER_MAX_RECOVERIES times). True when it will run again: queued now, or left
        `running` for the sweep when even that cannot be written (its heartbeat has stopped)."""
        log.warning(
            "%s %s: run %s stopped on %s; queued again", kind.label, self.pk, self.number, error
        )
        connections_tidy()
        try:
            with transaction.atomic():
                requeued = (
                    self.mine()
                    .filter(recoveries__lt=settings.WORKER_MAX_RECOVERIES)
                    .update(
                        status=JobStatus.QUEUED,
                        heartbeat_at=timezone.now(),
                        recoveries=F("recoveries") + 1,
                    )
                )
                if requeued:
                    later = timezone.now() + timedelta(seconds=settings.WORKER_HEARTBEAT)
                    kind.enqueue_on_commit(self.pk, run_after=later)
        except DatabaseError:
            log.warning(
                "%s %s: the database is still unreachable; the sweep queues it again",
                kind.label,
                self.pk,
            )
            return True
        return bool(requeued)


def claim(model: type[Job], pk: int) -> Run | None:
    """Take a queued job for a new run; None when another worker has it or it is finished."""
    now = timezone.now()
    with transaction.atomic():
        if not model.objects.filter(pk=pk, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING,
            heartbeat_at=now,
            runs=F("runs") + 1,
            started_at=Coalesce("started_at", Value(now), output_field=DateTimeField()),
        ):
            return None
        number = model.objects.filter(pk=pk).values_list("runs", flat=True).get()
    return Run(model=model, pk=pk, number=number)


def mark_failed(model: type[Job], pk: int, error: str, *, run: int | None = None) -> bool:
    """A job still queued or running (by run `run`, if given) marked failed with `error`."""
    jobs = model.objects.filter(pk=pk, status__in=(JobStatus.RUNNING, JobStatus.QUEUED))
    if run is not None:
        jobs = jobs.filter(runs=run)
    return bool(
        jobs.update(status=JobStatus.FAILED, error=error[:5000], finished_at=timezone.now())
    )


def resume(model: type[Job], pk: int) -> bool:
    """Queue again a job that failed, or is `running` with no heartbeat for WORKER_DEAD_AFTER
    (its worker died); its automatic re-queues start again from 0. False when it is neither."""
    last = Coalesce("heartbeat_at", "started_at", "created_at")
    stalled = Q(status=JobStatus.RUNNING, last__lt=timezone.now() - dead_after())
    return bool(
        model.objects.annotate(last=last)
        .filter(Q(status=JobStatus.FAILED) | stalled, pk=pk)
        .update(
            status=JobStatus.QUEUED,
            error="",
            finished_at=None,
            heartbeat_at=timezone.now(),
            recoveries=0,
        )
    )


def lost_why(lost: heartbeat.Lost) -> str:
    return (
        "its worker stopped (no heartbeat for {s} s)"
        if lost.status == JobStatus.RUNNING
        else "its task was lost (queued {s} s with no task waiting for it)"
    ).format(s=settings.WORKER_DEAD_AFTER)


def requeue_lost(kind: Kind, *, exclude: set[int] = frozenset()) -> list[int]:
    """The sweep's work for one kind of job: queue again each job that lost its worker (`running`,
    no heartbeat for WORKER_DEAD_AFTER) or its task (`queued` that long, no task waiting for it).
    After WORKER_MAX_RECOVERIES automatic re-queues it is given up (`kind.give_up`) instead. Safe
    from many workers at once: each job is taken with a conditional UPDATE of the row as it was
    seen. `exclude`: the jobs this process runs itself. Returns the ids queued again or failed."""
    waiting = waiting_values(
        import_string(kind.task), kind.argument
    )  # Before the rows: see taskqueue.
    now = timezone.now()
    handled = []
    for lost in heartbeat.lost_runs(
        kind.model,
        running=JobStatus.RUNNING,
        queued=JobStatus.QUEUED,
        waiting=waiting,
        exclude=exclude,
    ):
        why = lost_why(lost)
        if lost.recoveries >= settings.WORKER_MAX_RECOVERIES:
            if kind.give_up(lost, f"{why}, {lost.recoveries + 1} times"):
                handled.append(lost.pk)
            continue
        with transaction.atomic():
            if not lost.same(kind.model).update(
                status=JobStatus.QUEUED, heartbeat_at=now, recoveries=F("recoveries") + 1
            ):
                continue  # Beaten, finished or taken meanwhile (another worker's sweep).
            kind.enqueue_on_commit(lost.pk)
        log.warning("%s %s queued again: %s", kind.label, lost.pk, why)
        handled.append(lost.pk)
    return handled
