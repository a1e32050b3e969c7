"""`multiline worker`: runs background tasks on whichever backend the settings chose."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a task worker: the database worker by default, an RQ worker when REDIS_URL is set."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.2,
                            help="Seconds between polls of an empty database queue (default 0.2).")
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")

    def handle(self, *, interval: float, batch: bool, verbosity: int, **options):
        from portal.invitations.services import invitations_requeue_stale

        invitations_requeue_stale()  # What a crashed worker left behind is queued again.
        backend = settings.TASKS["default"]["BACKEND"]
        if backend.endswith("RQBackend"):
            # The scheduler runs deferred jobs (run_after): invitation retries with backoff.
            args = ["rqworker", "default", "--worker-class", "rq.SimpleWorker", "--with-scheduler"]
            if batch:
                args.append("--burst")
            call_command(*args, verbosity=verbosity)
            return
        args = ["db_worker", "--no-reload", "--interval", str(interval)]
        if batch:
            args += ["--batch", "--no-startup-delay"]
        call_command(*args, verbosity=verbosity)
