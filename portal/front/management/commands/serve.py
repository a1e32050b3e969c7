"""`multiline serve`: the portal (gunicorn) and its task worker together, for the embedded default.

The worker is supervised: when it exits (killed, out of memory, a bug), it is started again after a
wait that doubles from 1 s up to 30 s while it keeps failing, and each exit is logged. Production
deployments supervise their processes themselves (docs/running.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
STEADY_AFTER = 60.0  # a worker that ran this long before exiting is restarted after the first wait


class Command(BaseCommand):
    help = "Serve the portal with gunicorn and run a task worker beside it (restarted if it exits)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
        parser.add_argument("--no-worker", action="store_true", help="Do not start a task worker.")

    def handle(self, *, host, port, workers, threads, no_worker, **options):
        env = os.environ.copy()
        # Links in emails point at this server unless a public URL was configured.
        env.setdefault("PUBLIC_URL", f"http://{host}:{port}")
        self.env = env
        self.worker = None
        self.stopping = False
        backend = settings.TASKS["default"]["BACKEND"].rsplit(".", 1)[-1]
        self.stdout.write(
            f"MultiLine Management Portal on http://{host}:{port}/ (links in emails: "
            f"{env['PUBLIC_URL']}) (worker: {'none' if no_worker else backend})"
        )
        if not no_worker:
            self.start_worker()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "5",
            "--timeout",
            "120",
            "--logger-class",
            "portal.lib.redact.GunicornLogger",  # no activation link in the logs
        ]
        server = subprocess.Popen(command, env=env)

        def stop(signum, frame):
            self.stopping = True
            for process in (server, self.worker):
                if process and process.poll() is None:
                    process.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            code = self.supervise(server, watch_worker=not no_worker)
        finally:
            stop(None, None)
            if self.worker:
                try:
                    self.worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.worker.kill()
        sys.exit(code)

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "portal", "worker", "-v", "1"], env=self.env
        )
        self.worker_started = time.monotonic()
        self.stdout.write(f"Task worker started (pid {self.worker.pid})")
        self.stdout.flush()

    def supervise(self, server: subprocess.Popen, *, watch_worker: bool) -> int:
        """Wait for gunicorn to exit; meanwhile start the worker again whenever it exits."""
        wait = BACKOFF_FIRST
        restart_at = None
        while True:
            code = server.poll()
            if code is not None:
                return code
            if watch_worker and not self.stopping:
                if restart_at is None and self.worker.poll() is not None:
                    ran = time.monotonic() - self.worker_started
                    if ran > STEADY_AFTER:
                        wait = BACKOFF_FIRST
                    self.stderr.write(
                        f"Task worker (pid {self.worker.pid}) exited with code "
                        f"{self.worker.returncode} after {ran:.0f} s; starting it again in "
                        f"{wait:.0f} s"
                    )
                    self.stderr.flush()
                    restart_at = time.monotonic() + wait
                    wait = min(wait * 2, BACKOFF_MAX)
                elif restart_at is not None and time.monotonic() >= restart_at:
                    restart_at = None
                    self.start_worker()
            time.sleep(0.2)
