"""`multiline serve`: the portal (gunicorn) and its task worker together, for the embedded default."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the portal with gunicorn and run a task worker beside it."

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
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "portal", "worker", "-v", "1"], env=env)
        self.stdout.write(f"MultiLine Management Portal on http://{host}:{port}/ (links in emails: {env['PUBLIC_URL']}) "
                          f"(worker: {'none' if no_worker else settings.TASKS['default']['BACKEND'].rsplit('.', 1)[-1]})")
        command = [
            sys.executable, "-m", "gunicorn", "portal.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
            "--access-logfile", "-", "--graceful-timeout", "5", "--timeout", "120",
            "--logger-class", "portal.lib.redact.GunicornLogger",  # no activation link in the logs
        ]
        server = subprocess.Popen(command, env=env)

        def stop(signum, frame):
            for process in (server, worker):
                if process and process.poll() is None:
                    process.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            code = server.wait()
        finally:
            stop(None, None)
            if worker:
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
        sys.exit(code)
