"""The portal's `@task`: django-tasks' decorator with Django's connection hygiene around each run.

A web request starts and ends with `close_old_connections` (Django's request signals); a worker
runs many tasks in one long process, and neither RQ nor a failed task of the database worker does
it for us. Without it, a connection PostgreSQL dropped (a restart, `pg_terminate_backend`, a
network cut) stays broken in the worker and every later task fails with "the connection is closed".
With it, a dropped connection costs at most the task in flight; the sweep (portal.jobs.sweep)
queues that task's work again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.utils import translation
from django_tasks import task as django_task

T = TypeVar("T")


def connections_tidy() -> None:
    """Close this thread's connections that are broken or past CONN_MAX_AGE (Django opens them again
    on the next query), as `close_old_connections` does, but never one inside a transaction: that
    one belongs to the caller (a test, or a task run in-process by the immediate backend)."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def is_transient(error: BaseException) -> bool:
    """A database failure that running the same work again may not meet: a dropped connection, a
    deadlock, SQLite's "database is locked". Not a constraint or a data error."""
    return isinstance(error, (OperationalError, InterfaceError))


def task(**options) -> Callable:
    """`@task()` for the portal's tasks: tidy connections before and after the work, in
    settings.LANGUAGE_CODE."""

    def decorate(function: Callable) -> Callable:
        @wraps(function)
        def run(*args, **kwargs):
            connections_tidy()
            try:
                # A task's words in the portal's language, never the one a previous request left
                # active in this thread (the embedded default runs tasks in-process); what is
                # sent to a person is rendered in theirs (translation.override where it is made).
                with translation.override(settings.LANGUAGE_CODE):
                    return function(*args, **kwargs)
            finally:
                connections_tidy()  # Also before the backend records a failure on this connection.

        return django_task(**options)(run)

    return decorate


def again_on_disconnect(write: Callable[[], T], *, attempts: int = 3, pause: float = 0.5) -> T:
    """Run a short write again on a new connection when the database dropped this one: for the
    record of what cannot be undone (a message sent), which a retried task would repeat."""
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except (OperationalError, InterfaceError):
            if attempt == attempts or transaction.get_connection().in_atomic_block:
                raise
            connections_tidy()
            time.sleep(pause * attempt)
    raise AssertionError("unreachable")
