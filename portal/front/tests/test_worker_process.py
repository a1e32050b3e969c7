"""The embedded default's processes: its worker survives SQLite's write lock held for long, and
`multiline serve` starts its worker again when it dies. Real processes on a SQLite file; each test
prints its figures (pytest -s). They run in the SQLite pass (the PostgreSQL pass has its own)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from portal.conftest import free_port
from portal.jobs.tests.workers import CLEARED, FAST, kill_group, wait_until

SEED = """
from portal.accounts.services import account_add
from portal.numbers.services import numbers_add
from portal.organizations.services import organization_create
org = organization_create(actor=None, name="Org L", slug="org-l", features=["voice_calling"])
numbers_add(actor=None, organization=org, values=["+447911123456"])
account_add(actor=None, organization=org, data={"email": "after-the-lock@example.com"}, invite=True)
"""


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A migrated embedded database (once per run); each test works on a copy."""
    folder = tmp_path_factory.mktemp("migrated")
    subprocess.run(
        [sys.executable, "-m", "portal", "migrate", "-v", "0"],
        env=embedded_env(folder),
        check=True,
        timeout=180,
    )
    return folder / "portal.sqlite3"


@pytest.fixture
def var_dir(migrated_sqlite, tmp_path) -> Path:
    if connection.vendor != "sqlite":
        pytest.skip(
            "runs in the SQLite pass: these processes use the embedded default, not the test "
            "database"
        )
    shutil.copy(migrated_sqlite, tmp_path / "portal.sqlite3")
    return tmp_path


def embedded_env(folder: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(FAST, VAR_DIR=str(folder), **{k: str(v) for k, v in extra.items()})
    return env


def test_the_embedded_worker_waits_out_a_long_write_lock_and_goes_on(var_dir):
    log = var_dir / "worker.log"
    with open(log, "wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "portal", "worker", "-v", "1"],
            env=embedded_env(var_dir, SQLITE_BUSY_TIMEOUT=1),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(
            lambda: "Starting worker" in log.read_text(), timeout=120, what="the worker to start"
        )
        # Another process writes for 5 s: five times the worker's busy timeout.
        holder = sqlite3.connect(var_dir / "portal.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE django_migrations SET app = app WHERE id = 1")
        time.sleep(5)
        holder.execute("COMMIT")
        holder.close()
        released = time.monotonic()
        assert worker.poll() is None, log.read_text()
        # It still runs tasks: an invitation queued after the lock is sent.
        subprocess.run(
            [sys.executable, "-m", "portal", "shell", "-c", SEED],
            env=embedded_env(var_dir),
            check=True,
            timeout=120,
        )
        wait_until(
            lambda: list((var_dir / "mail").glob("*.eml")), timeout=120, what="the invitation"
        )
        delivered = time.monotonic() - released
        assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        finally:
            kill_group(worker)
    text = log.read_text()
    restarts = text.count("Task loop stopped on a database error")
    assert restarts >= 1 and "database is locked" in text  # The lock did reach it, and it went on.
    [message] = (var_dir / "mail").glob("*.eml")
    assert "after-the-lock@example.com" in message.read_text()
    print(
        f"\nwrite lock held 5 s (busy timeout 1 s): the worker waited ({restarts} restart(s) of "
        f"its loop) and sent the next invitation {delivered:.1f} s after the lock was released"
    )


def test_serve_starts_its_worker_again_when_it_dies(var_dir):
    port = free_port()
    log = var_dir / "serve.log"
    with open(log, "wb") as out:
        serve = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "portal",
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
                "--threads",
                "1",
            ],
            env=embedded_env(var_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def pids() -> list[int]:
        return [int(p) for p in re.findall(r"Task worker started \(pid (\d+)\)", log.read_text())]

    try:
        [first] = wait_until(pids, timeout=120, what="serve to start its worker")
        wait_until(
            lambda: "Starting worker" in log.read_text(), timeout=120, what="the worker to run"
        )
        os.kill(first, signal.SIGKILL)
        killed = time.monotonic()
        second = wait_until(lambda: pids()[1:], timeout=30, what="a new worker")[0]
        restarted = time.monotonic() - killed
        assert second != first
        wait_until(
            lambda: log.read_text().count("Starting worker") >= 2,
            timeout=120,
            what="the new worker to run",
        )
        assert serve.poll() is None
        assert f"Task worker (pid {first}) exited with code -9" in log.read_text()
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=30)
        finally:
            kill_group(serve)  # gunicorn and the worker, if anything was left.
    print(
        f"\nserve: worker {first} killed, worker {second} started {restarted:.1f} s later "
        "(backoff 1 s)"
    )
