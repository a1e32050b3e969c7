"""Thin tasks: load by id, call the service."""

from __future__ import annotations

from portal.lib.tasks import task


@task()
def run_batch(batch_id: int) -> None:
    from portal.batches.services import batch_run  # cycle: batches.services <-> batches.tasks

    batch_run(batch_id=batch_id)
