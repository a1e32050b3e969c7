from __future__ import annotations

from portal.accounts.lifecycle import bulk_job_run
from portal.lib.tasks import task


@task()
def run_bulk_job(job_id: int) -> None:
    """Run one bulk action over many accounts (see portal.accounts.lifecycle)."""
    bulk_job_run(job_id=job_id)
