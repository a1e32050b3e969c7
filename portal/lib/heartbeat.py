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
def hold(model: type[models.Model], ids: Iterable[int], *, beat_now: bool = False,
         **only) -> Iterator[Held]:
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
