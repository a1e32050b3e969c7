"""What is waiting in the task queue: the calls of a task queued (or deferred) and not yet started.

The sweep (portal.jobs.sweep) queues again the work no live task will pick up. A task that has
started is not listed here: the rows it works on carry its heartbeat instead (portal.lib.heartbeat).
The database backend keeps its queue in DBTaskResult rows; the RQ backend in a Redis list and a
scheduled-job registry. Read in the order jobs move (scheduled → queued), so one moving meanwhile
is still seen; a call seen too late only makes a duplicate task, which finds its work taken.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django_tasks.base import Task


def waiting_calls(task: Task) -> list[dict[str, Any]]:
    """The keyword arguments of each call of `task` that waits in its backend's queue."""
    backend = task.get_backend()
    if type(backend).__name__ == "RQBackend":
        return _rq_waiting(task)
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(backend, DatabaseBackend):
        from django_tasks_db.models import DBTaskResult, TaskResultStatus

        rows = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=task.module_path, backend_name=backend.alias
        ).values_list("args_kwargs", flat=True)
        return [row["kwargs"] for row in rows.iterator(chunk_size=500)]
    return []  # An in-process backend (immediate, dummy) has no queue to lose work in.


def waiting_values(task: Task, name: str) -> set:
    """Every value of argument `name` in the waiting calls of `task` (a list argument flattened)."""
    values: set = set()
    for kwargs in waiting_calls(task):
        value = kwargs.get(name)
        if isinstance(value, (list, tuple)):
            values.update(value)
        elif value is not None:
            values.add(value)
    return values


def _rq_waiting(task: Task) -> list[dict[str, Any]]:
    import django_rq
    from django_tasks_rq.backend import Job

    queue = django_rq.get_queue(task.queue_name, job_class=Job)
    scheduled = queue.scheduled_job_registry
    # A deferred job overdue by WORKER_DEAD_AFTER has no scheduler to enqueue it (the worker holding
    # RQ's scheduler lock was killed; the lock outlives it for a minute): its work is not waiting.
    overdue = {
        i.decode() if isinstance(i, bytes) else i
        for i in scheduled.connection.zrangebyscore(
            scheduled.key, 0, time.time() - settings.WORKER_DEAD_AFTER
        )
    }
    ids = [
        i for i in scheduled.get_job_ids(cleanup=False) if i not in overdue
    ] + queue.get_job_ids()
    calls = []
    for start in range(0, len(ids), 500):
        for job in Job.fetch_many(ids[start : start + 500], connection=queue.connection):
            if job is not None and job.func_name == task.module_path:
                calls.append(job.kwargs)
    return calls
