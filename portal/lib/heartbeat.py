"""Heartbeats of the work a worker process is running (batches, bulk jobs, invitations).

A task `hold`s the rows it works on; the worker's pulse thread (portal.jobs.sweep) writes the time
into each held row's `heartbeat_at` every WORKER_HEARTBEAT seconds, whatever the task is doing (a
long chunk, a slow mail server). When the process dies, or its task fails, the beats stop: a row
in a running state whose heartbeat is older than WORKER_DEAD_AFTER has lost its worker, and the
sweep queues it again. The registry is per process; a process without a pulse thread (a test, an
in-process `--batch` run) holds and releases without beating.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.utils import timezone

_lock = threading.Lock()
_held: list[Held] = []


@dataclass(eq=False)
class Held:
    model: type[models.Model]
    ids: frozenset[int]
    only: dict = field(default_factory=dict)  # beat only the rows still in these states


def dead_after() -> float:
    return float(settings.WORKER_DEAD_AFTER)


@contextmanager
def hold(
    model: type[models.Model], ids: Iterable[int], *, beat_now: bool = False, **only
) -> Iterator[Held]:
    """Beat these rows of `model` while the block runs (`only`: a filter, e.g. state__in=...).
    `beat_now` writes the first beat at once (otherwise the caller's own claim did)."""
    held = Held(model=model, ids=frozenset(ids), only=only)
    if beat_now and held.ids:
        _write(held, timezone.now())
    with _lock:
        _held.append(held)
    try:
        yield held
    finally:
        with _lock:
            _held.remove(held)


def beat_now(held: Held) -> int:
    """Write the heartbeat of these held rows now (a task that waits on something slow)."""
    return _write(held, timezone.now()) if held.ids else 0


def held_ids(model: type[models.Model]) -> set[int]:
    """What this process is running of `model`: its own sweep leaves those alone."""
    with _lock:
        return {pk for held in _held if held.model is model for pk in held.ids}


def _write(held: Held, now) -> int:
    return held.model.objects.filter(pk__in=held.ids, **held.only).update(heartbeat_at=now)


def beat() -> int:
    """Write the heartbeat of everything held in this process; the number of rows written."""
    with _lock:
        snapshot = list(_held)
    now = timezone.now()
    return sum(_write(held, now) for held in snapshot if held.ids)


@dataclass
class Lost:
    """A run that lost its worker (`running`, no heartbeat) or its task (`queued`, none waiting)."""

    pk: int
    status: str
    runs: int
    recoveries: int
    heartbeat_at: object

    def same(self, model: type[models.Model]):
        """The row as it was seen: a conditional UPDATE of it fails if anyone changed it since."""
        return model.objects.filter(
            pk=self.pk, status=self.status, runs=self.runs, heartbeat_at=self.heartbeat_at
        )


def lost_runs(
    model: type[models.Model], *, running: str, queued: str, waiting: set[int], exclude: set[int]
) -> list[Lost]:
    """The one rule for batches and bulk jobs (rows with status, runs, recoveries, heartbeat_at,
    started_at, created_at): `running` with no heartbeat for WORKER_DEAD_AFTER, or `queued` that
    long (since created, or queued again) with no task `waiting` for it. `exclude`: this
    process's."""
    from datetime import timedelta

    from django.db.models import Q
    from django.db.models.functions import Coalesce

    cutoff = timezone.now() - timedelta(seconds=dead_after())
    rows = (
        model.objects.annotate(last=Coalesce("heartbeat_at", "started_at", "created_at"))
        .filter(Q(status=running) | Q(status=queued), last__lt=cutoff)
        .exclude(pk__in=exclude)
        .values_list("pk", "status", "runs", "recoveries", "heartbeat_at")
    )
    return [Lost(*row) for row in rows if not (row[1] == queued and row[0] in waiting)]
