"""Where a PostgreSQL batch import's time goes: `python bench/import_postgres.py --postgres URL`.

Runs one Import & Invite of `--rows` rows (default 10,000; after a 200-row warm-up batch) with the
portal's service on PostgreSQL, on the same machine as the server, and prints:
- the wall-clock time, this process's CPU time and the server's (its backend's CPU time, read
  from /proc/<pid>/schedstat: the database must run on this machine);
- the server's CPU time per kind of statement (Django's `execute_wrapper`, the COPYs of
  `lib.bulkinsert`, the commits), which, unlike wall-clock time, another process's load on the
  machine barely moves.

    python bench/import_postgres.py --postgres postgres://postgres@127.0.0.1:5432/ml_bench_import
                                    [--rows 10000] [--top 15]

The database is flushed first (every table emptied). It gets `random_page_cost = 1.1`, as
docs/deploy.md sets it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", ""))
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    if not args.postgres:
        sys.exit("--postgres URL (or BENCH_POSTGRES_URL) is needed")
    os.environ.update(
        DATABASE_URL=args.postgres,
        EMAIL_URL="memory://",
        DEBUG="false",
        BATCH_MAX_ROWS=str(max(args.rows, 1000)),
        BATCH_MAX_BYTES=str(64 * 1024 * 1024),
    )
    os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="ml-bench-"))
    os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(16).hex())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import django

    django.setup()
    import import_accounts as files
    from django.core.management import call_command
    from django.db import connection

    from portal.lib import bulkinsert

    call_command("migrate", verbosity=0)
    call_command("flush", "--no-input", verbosity=0)
    with connection.cursor() as cursor:
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"ALTER DATABASE {name} SET random_page_cost = 1.1")
        cursor.execute("SET random_page_cost = 1.1")
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()

    def server_ns() -> int:
        with open(f"/proc/{pid}/schedstat") as stat:
            return int(stat.read().split()[0])

    from django.contrib.auth import get_user_model

    from portal.batches.services import batch_create, batch_run

    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "Bench-pass-1")

    def batch(tag: str, rows: int, block: int):
        org, _numbers, data = files.organization_with_file(tag, rows, block)
        return batch_create(
            actor=user,
            organization=org,
            permission_group=None,
            filename=f"{tag}.csv",
            data=data,
            invite=True,
            enqueue=False,
        )

    batch_run(batch_id=batch("warm", 200, 0).pk)
    measured = batch("bench", args.rows, 1)

    spent: Counter = Counter()

    def timed(kind: str, call, *call_args):
        start = server_ns()
        try:
            return call(*call_args)
        finally:
            spent[kind] += server_ns() - start

    def statements(execute, sql, params, many, context):
        kind = re.sub(r"\s+", " ", sql)[:70]
        kind = re.sub(r"SAVEPOINT \S+", "SAVEPOINT …", kind)
        return timed(kind, execute, sql, params, many, context)

    copy = bulkinsert._copy
    bulkinsert._copy = lambda connection_, meta, *rest: timed(
        f"COPY {meta.db_table}", copy, connection_, meta, *rest
    )
    connection.ensure_connection()
    raw_commit = type(connection.connection).commit
    type(connection.connection).commit = lambda self: timed("COMMIT", raw_commit, self)
    server_start, cpu_start, wall_start = server_ns(), time.process_time(), time.perf_counter()
    try:
        with connection.execute_wrapper(statements):
            done = batch_run(batch_id=measured.pk)
    finally:
        bulkinsert._copy = copy
        type(connection.connection).commit = raw_commit
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    server = (server_ns() - server_start) / 1e9
    assert done.status == "completed" and done.succeeded == args.rows, (done.status, done.error)
    print(
        f"{args.rows:,}-row Import & Invite on PostgreSQL: {wall:.3f} s wall, "
        f"{cpu:.3f} s CPU here, {server:.3f} s CPU in the server"
    )
    print("Server CPU by statement (ms):")
    for kind, ns in spent.most_common(args.top):
        print(f"{ns / 1e6:9.1f}  {kind}")


if __name__ == "__main__":
    main()
