"""Self-healing workers: the heartbeat of running work and the sweep of what was left behind.

Every worker process (`multiline worker`, and the one `multiline serve` starts) runs a `Pulse`
thread beside its task loop, on either backend (database queue or RQ), so no cron is needed:
- every WORKER_HEARTBEAT seconds it writes the time into the rows its tasks hold (a running batch
  or bulk job, the invitations of a running delivery task; see portal.lib.heartbeat);
- every WORKER_SWEEP_INTERVAL seconds it sweeps: whatever is `running` with no heartbeat for
  WORKER_DEAD_AFTER (its worker was killed, or its task failed on a dropped connection) or
  `queued` that long with no task waiting for it (the task was lost) is queued again.
Many workers sweep at once safely: each row is taken with a conditional UPDATE (or a row lock
skipping rows another sweep holds), and the claims of the tasks decide who runs what.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

from portal.accounts.lifecycle import BULK_JOBS
from portal.batches.services import BATCHES
from portal.invitations.models import Invitation
from portal.invitations.services import invitations_requeue_stale
from portal.jobs import runner
from portal.lib import heartbeat
from portal.lib.tasks import connections_tidy

log = logging.getLogger(__name__)

# Every kind of job (portal.jobs.models.Job), swept by the same code: portal.jobs.runner.
KINDS: tuple[runner.Kind, ...] = (BATCHES, BULK_JOBS)


def sweep() -> dict[str, int]:
    """Queue again what lost its worker or its task; how many of each. What this process runs
    itself is left alone (its beats may just have been delayed by a lock)."""
    counts = {
        kind.name: len(runner.requeue_lost(kind, exclude=heartbeat.held_ids(kind.model)))
        for kind in KINDS
    }
    counts["invitations"] = invitations_requeue_stale(exclude=heartbeat.held_ids(Invitation))
    return counts


class Pulse(threading.Thread):
    """The worker's heartbeat and sweep, in a thread of its own (with its own connection)."""

    def __init__(self):
        super().__init__(name="multiline-pulse", daemon=True)
        self.stopping = threading.Event()
        self.sweeps = 0

    def run(self) -> None:
        next_sweep = time.monotonic()  # At once: what a crashed worker left behind.
        while not self.stopping.is_set():
            try:
                heartbeat.beat()
                if time.monotonic() >= next_sweep:
                    counts = sweep()
                    self.sweeps += 1
                    next_sweep = time.monotonic() + settings.WORKER_SWEEP_INTERVAL
                    if any(counts.values()):
                        log.warning(
                            "Sweep queued again: %s",
                            ", ".join(f"{n} {k}" for k, n in counts.items()),
                        )
            except Exception:  # A database that is down or locked: beat and sweep again next round.
                log.exception(
                    "Heartbeat or sweep failed; trying again in %s s", settings.WORKER_HEARTBEAT
                )
            finally:
                connections_tidy()
            wait = min(settings.WORKER_HEARTBEAT, max(next_sweep - time.monotonic(), 0.05))
            self.stopping.wait(wait)

    def stop(self) -> None:
        self.stopping.set()
