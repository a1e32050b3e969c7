"""The longer schemathesis run: `python bench/fuzz_api.py [--max-examples 100] [--postgres URL]`.

It serves the portal for real (`multiline serve`: gunicorn and the task worker) on a fresh
database with the demo data (SQLite in a temporary VAR_DIR, or a new PostgreSQL database created
on the server of --postgres and dropped afterwards), issues a token of the demo operator (every
privilege everywhere) and runs the schemathesis CLI over /api/v1/openapi.json with every phase
(examples, coverage, fuzzing, stateful) and the checks of the suite's bounded run
(portal/front/tests/test_api_schemathesis.py): no 500, only documented status codes, content
types, headers and schemas. Prints the requests made, their statuses, the time, and the failures.
Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def portal(env, *args, capture=False) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "portal", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=capture,
        text=True,
    )
    return done.stdout if capture else ""


def fresh_postgres(url: str) -> tuple[str, callable]:
    """A new database on the server of `url`; returns its URL and a function that drops it."""
    import psycopg

    base, _, _name = url.rpartition("/")
    name = f"multiline_fuzz_{os.getpid()}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the portal did not answer {url} within {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-examples", type=int, default=100, help="per operation and phase")
    parser.add_argument("--max-time", type=int, default=900, help="seconds for the whole run")
    parser.add_argument("--postgres", help="postgres://... of a server for a scratch database")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="fuzz-api-")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(VAR_DIR=var_dir, SECRET_KEY="fuzz-" + "x" * 40, LOG_LEVEL="ERROR")
    drop = None
    if args.postgres:
        env["DATABASE_URL"], drop = fresh_postgres(args.postgres)
    port = free_port()
    server = None
    try:
        portal(env, "migrate", "--no-input", "-v", "0")
        portal(env, "demo", capture=True)
        token = portal(env, "issue-token", "operator", capture=True).strip().splitlines()[-1]
        env["PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "portal", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(var_dir) / "serve.log", "w"),
        )
        schema_url = f"http://127.0.0.1:{port}/api/v1/openapi.json"
        wait_for(schema_url)
        har = Path(var_dir) / "run.har"
        command = [
            str(BIN / "schemathesis"),
            "run",
            schema_url,
            "-H",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            str(args.max_examples),
            "--seed",
            str(args.seed),
            "--max-time",
            str(args.max_time),
            "--workers",
            "2",
            "--report",
            "har",
            "--report-har-path",
            str(har),
            "--suppress-health-check",
            "all",
        ]
        database = "PostgreSQL" if args.postgres else "SQLite"
        print(
            f"schemathesis over {schema_url} ({database}, max {args.max_examples} examples)",
            flush=True,
        )
        started = time.monotonic()
        run = subprocess.run(
            command, env={**env, "NO_COLOR": "1"}, cwd=var_dir, text=True, capture_output=True
        )
        elapsed = time.monotonic() - started
        tail = run.stdout.strip().splitlines()
        print("\n".join(line for line in tail if line.strip())[-6000:])
        entries = json.loads(har.read_text())["log"]["entries"] if har.exists() else []
        statuses = collections.Counter(e["response"]["status"] for e in entries)
        rate = len(entries) / max(elapsed, 0.001)
        print(
            f"\n{len(entries)} requests in {elapsed:.0f} s ({rate:.0f}/s); "
            f"statuses: {dict(sorted(statuses.items()))}; 500s: {statuses.get(500, 0)}; "
            f"schemathesis exit code {run.returncode}"
        )
        sys.exit(run.returncode)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if drop is not None:
            drop()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
