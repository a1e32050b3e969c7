"""Benchmark of the audit log's bulk path: `python bench/audit_events.py [N]` (default 10,000).

Times `audit.rows` + `audit.record_many` (what a batch writes per chunk: one event per row, now with
the client address and user agent) for N events on a fresh SQLite database, nine times, and prints
the best and the median CPU time (process time: steadier than wall time on a shared machine).
Each run is rolled back.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time


def main(n: int) -> None:
    os.environ["VAR_DIR"] = tempfile.mkdtemp()
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from portal.audit import services as audit
    from portal.organizations.models import Organization

    call_command("migrate", verbosity=0)
    org = Organization.objects.create(name="Acme Bank", slug="acme-bank", path="/1/")
    user = get_user_model().objects.create_user("alice", password="not-used-here")

    class Target:  # What the import passes: an account with its organization.
        class _meta:
            model_name = "account"

        def __init__(self, pk):
            self.pk, self.organization = pk, org

        def __str__(self):
            return f"Person {self.pk} (p{self.pk}@bank.example)"

    times = []
    for _ in range(9):
        items = [
            (Target(i), {"row": i, "number": f"+4479111{i:05d}", "invite": False}) for i in range(n)
        ]
        with transaction.atomic(), audit.origin(ip="10.1.2.3", user_agent="Mozilla/5.0"):
            start = time.process_time()
            audit.record_many(
                audit.rows(
                    actor=user, action="account.create", organization=org, batch_id=1, items=items
                )
            )
            times.append(time.process_time() - start)
            transaction.set_rollback(True)
    times.sort()
    print(f"{n:,} events: best {times[0] * 1000:.0f} ms, median {times[4] * 1000:.0f} ms (CPU)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
