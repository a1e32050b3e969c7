"""Instructions of a 1,000-row Import & Invite against the floor's, counted by valgrind:
`python bench/import_instructions.py [--rows 1000]` (needs Debian's `valgrind`).

Wall-clock ratios on two shared cores move by ±20 % from one run to the next (the floor itself
does: 36–60 ms for the same work minutes apart), more than one change to the import is worth.
The number of instructions does not depend on the machine's load: each side runs in a child
process under callgrind, which counts only inside `functools.reduce` (its toggle), and the
measured call is the only code run there — the service's `batch_run` of a fresh 1,000-row
Import & Invite (after one warm-up batch, as a long-running worker is), or the floor of
bench/import_accounts.py (stdlib csv + email-validator + phonenumbers + sqlite3 executemany)
on the same file. Each child takes 2–4 minutes under valgrind. Exits 1 above 3× the floor.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(side: str, rows: int) -> None:
    os.environ.update(
        VAR_DIR=tempfile.mkdtemp(prefix="ml-instr-"),
        EMAIL_URL="memory://",
        SECRET_KEY="bench-only-" + os.urandom(16).hex(),
        DEBUG="false",
        BATCH_MAX_ROWS=str(max(rows, 1000)),
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from import_accounts import floor, organization_with_file

    from portal.batches.services import batch_create, batch_run

    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "Bench-pass-1")

    def prepared(block: int) -> tuple[int, bytes, list[str]]:
        org, numbers, data = organization_with_file(f"b{block}", rows, block)
        batch = batch_create(
            actor=user,
            organization=org,
            permission_group=None,
            filename="bench.csv",
            data=data,
            invite=True,
            enqueue=False,
        )
        return batch.pk, data, numbers

    warm, data, numbers = prepared(1)
    if side == "floor":
        floor(data, set(numbers))  # warm, as the service is
        functools.reduce(lambda _acc, _x: floor(data, set(numbers)), [0], None)
        return
    batch_run(batch_id=warm)
    measured, _data, _numbers = prepared(2)
    done = functools.reduce(lambda _acc, pk: batch_run(batch_id=pk), [measured], None)
    assert done.status == "completed" and done.invited == rows, (done.status, done.invited)


def counted(side: str, rows: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--collect-atstart=no",
        "--toggle-collect=functools_reduce",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        side,
        "--rows",
        str(rows),
    ]
    output = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    found = re.search(r"Collected : (\d+)", output.stderr)
    if output.returncode != 0 or not found:
        print(output.stderr[-3000:])
        sys.exit(2)
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--child", choices=["service", "floor"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows)
        return
    service, base = counted("service", args.rows), counted("floor", args.rows)
    print(f"{args.rows:,}-row Import & Invite: {service:,} instructions")
    print(f"floor, the same file:        {base:,} instructions")
    print(f"service / floor: {service / base:.2f}×")
    sys.exit(1 if service > 3 * base else 0)


if __name__ == "__main__":
    main()
