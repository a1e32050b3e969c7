"""`multiline worker`: runs background tasks on whichever backend the settings chose.

Beside the task loop, a pulse thread beats the work in progress and sweeps what other (dead)
workers left behind (portal.jobs.sweep). The task loop itself is restarted in-process, with
backoff, when the database fails under it (dropped, restarting, or SQLite's write lock held for
longer than its busy timeout): the worker waits and goes on; it never exits on "database is locked".
"""

from __future__ import annotations

import logging
import os
import socket
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from portal.jobs.sweep import Pulse, sweep
from portal.lib.tasks import connections_tidy

log = logging.getLogger("portal.worker")

BACKOFF_MAX = 30.0  # seconds between two restarts of a failing task loop, at most
STEADY_AFTER = 60.0  # a loop that ran this long before failing starts again from the shortest wait
KEEP_CONNECTION = 600  # seconds a running worker keeps a database connection, task after task


class Command(BaseCommand):
    help = "Run a task worker: the database worker by default, an RQ worker when REDIS_URL is set."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=0.2,
            help="Seconds between polls of an empty database queue (default 0.2).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Sweep once, run what is queued, then exit (no heartbeat thread).",
        )

    def handle(self, *, interval: float, batch: bool, verbosity: int, **options):
        if batch:
            sweep()  # What a crashed worker left behind is queued again.
            self.loop(
                self.command(interval=interval, batch=True), verbosity=verbosity, restart=False
            )
            return
        keep_connections()
        pulse = Pulse()
        pulse.start()
        try:
            self.loop(
                self.command(interval=interval, batch=False), verbosity=verbosity, restart=True
            )
        finally:
            pulse.stop()

    def command(self, *, interval: float, batch: bool) -> list[str]:
        if settings.TASKS["default"]["BACKEND"].endswith("RQBackend"):
            # The scheduler runs deferred jobs (run_after): invitation retries with backoff.
            args = ["rqworker", "default", "--worker-class", "rq.SimpleWorker", "--with-scheduler"]
            return args + ["--burst"] if batch else args
        worker_id = f"{socket.gethostname()}-{os.getpid()}"[-64:]
        args = ["db_worker", "--no-reload", "--interval", str(interval), "--worker-id", worker_id]
        return args + ["--batch", "--no-startup-delay"] if batch else args

    def loop(self, args: list[str], *, verbosity: int, restart: bool) -> None:
        """Run the backend's worker; when the database fails under it, wait and run it again."""
        wait = 1.0
        while True:
            started = time.monotonic()
            try:
                call_command(*args, verbosity=verbosity)
                return
            except DatabaseError as error:
                if not restart:
                    raise
                if time.monotonic() - started > STEADY_AFTER:
                    wait = 1.0
                log.warning(
                    "Task loop stopped on a database error (%s); starting it again in %.0f s",
                    error,
                    wait,
                )
                connections_tidy()
                time.sleep(wait)
                wait = min(wait * 2, BACKOFF_MAX)


def keep_connections() -> None:
    """A running worker keeps its database connections from one task to the next, as it keeps its
    SMTP connection: with the web's CONN_MAX_AGE of 0 every task (200 invitations) opened a new
    one, on PostgreSQL a new server process with cold caches. One the server dropped meanwhile is
    found before its next task uses it (CONN_HEALTH_CHECKS: a `SELECT 1` per task) and opened
    again; the tidy-up around each task (lib/tasks) still closes a broken one."""
    for alias in connections:
        options = connections.settings[alias]
        if not options.get("CONN_MAX_AGE"):
            options["CONN_MAX_AGE"] = KEEP_CONNECTION
            options["CONN_HEALTH_CHECKS"] = True
