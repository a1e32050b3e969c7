"""Real worker processes for the fault tests: started, killed and watched like in production."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.db import connection

from portal.conftest import Mailbox

# Short intervals, so that a dead run is known dead in 3 s instead of 30 (docs/running.md).
FAST = {"WORKER_HEARTBEAT": "1", "WORKER_DEAD_AFTER": "3", "WORKER_SWEEP_INTERVAL": "1"}
CLEARED = {
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "SMS_URL",
    "PYTEST_VERSION",
    "PYTEST_CURRENT_TEST",
    "BATCH_CHUNK_ROWS",
    "BATCH_MAX_ROWS",
}


def wait_until(condition, *, timeout: float, step: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def postgres_url(application_name: str) -> str:
    db = connection.settings_dict
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return (
        f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        f"?application_name={application_name}"
    )


class Workers:
    """Starts `multiline worker` processes on the test's database; kills what is left at the end."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []
        self.count = 0

    def env(self, name: str, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        env.update(
            FAST,
            SECRET_KEY=settings.SECRET_KEY,
            VAR_DIR=str(self.tmp_path),
            PUBLIC_URL=settings.PUBLIC_URL,
            DATABASE_URL=postgres_url(name),
            REDIS_URL=settings.RQ_QUEUES["default"]["URL"],
        )
        if settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
            env["EMAIL_URL"] = f"smtp://{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def start(self, **extra) -> Worker:
        self.count += 1
        name = f"fault-worker-{os.getpid()}-{self.count}"
        log = open(self.tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        # In a session of its own: a kill takes RQ's scheduler process with it, as systemd would.
        process = subprocess.Popen(
            [sys.executable, "-m", "portal", "worker", "-v", "1"],
            env=self.env(name, **extra),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        worker = Worker(process, name, self.tmp_path / f"{name}.log")
        # Ready when its pulse thread has connected (it sweeps at once on start).
        wait_until(
            lambda: worker.connections() or process.poll() is not None,
            timeout=120,
            what=f"{name} to start",
        )
        assert process.poll() is None, worker.log()
        return worker

    def stop_all(self) -> None:
        for process in self.processes:
            kill_group(process)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process and what it started (its session), by the process's own id."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


class Worker:
    def __init__(self, process: subprocess.Popen, name: str, log_path: Path):
        self.process, self.name, self.log_path = process, name, log_path

    def connections(self) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [self.name]
            )
            return [pid for (pid,) in cursor.fetchall()]

    def terminate_connections(self) -> int:
        """What a PostgreSQL restart or a network cut does to the worker: its sessions are ended."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = %s",
                [self.name],
            )
            return cursor.fetchone()[0]

    def kill(self) -> None:
        kill_group(self.process)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class SlowMailbox(Mailbox):
    """A mail server taking `delay` seconds a message, and able to hang on message number `gate_at`
    (until `release()`: then it answers 451 and keeps nothing: the message was not delivered)."""

    def __init__(self, delay: float = 0.0, gate_at: int | None = None):
        super().__init__()
        self.delay, self.gate_at, self.seen = delay, gate_at, 0
        self.gated = threading.Event()
        self.released = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.gate_at is not None and self.seen == self.gate_at:
            self.gated.set()
            while not self.released.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)

    def release(self) -> None:
        self.released.set()

    def per_recipient(self) -> Counter:
        return Counter(str(m["To"]).lower() for m in self.messages)
