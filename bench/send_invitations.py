"""Benchmark of invitation delivery: `python bench/send_invitations.py [--count 2000] [--workers \
1,2,4]`.

A local aiosmtpd server runs in its own process and counts what it receives. On a fresh database
(SQLite in a temporary VAR_DIR, or PostgreSQL when DATABASE_URL points to it) and a Redis database
(BENCH_REDIS_URL, default redis://127.0.0.1:6379/6: \
its `default` queue is emptied) it then measures,
in the same run:

- raw: smtplib sending COUNT messages rendered beforehand by the portal, over one connection,
  from this process: the wire's speed here;
- for each number of workers (`multiline worker` on RQ, started, ready and warmed up with a few
  single invitations before the clock starts): COUNT new accounts invited at once
  (`accounts_invite_many`: one task per 200 invitations), until the server has every message
  and every invitation is `sent`. Each message is claimed (new link token and code), rendered
  (text, HTML, QR code PNG), sent and recorded.

`--pipelining`: the server offers PIPELINING (RFC 2920; a worker then writes each message's MAIL,
RCPT and DATA together; raw smtplib never pipelines). `--sent-groups 1,20` measures each worker
count with "sent" recorded one message per commit (1) and in groups (INVITATION_SENT_GROUP), in
the same run. Prints invitations per second beside raw smtplib, and the CPU time a message cost
each side (workers, mail server, PostgreSQL's backends: /proc), which the machine's load sways
less than the rates. Exits 1 when one worker sends at
less than --min-ratio (default 0.5) of raw smtplib.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sink(port: int, count, ready, pipelining: bool = False) -> None:
    """The mail server: counts the messages it accepts. `pipelining`: it offers PIPELINING
    (RFC 2920) in its EHLO answer, as Postfix, Exim and the big providers do (aiosmtpd does
    not by itself; it reads commands in order either way)."""
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            session.host_name = hostname
            if pipelining:
                responses.insert(-1, "250-PIPELINING")
            return responses

        async def handle_DATA(self, server, session, envelope):
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    signal.sigwait({signal.SIGTERM})
    controller.stop()


def cpu_seconds(pids) -> float:
    """CPU time (user + system) these processes have used so far."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--min-ratio", type=float, default=0.5)
    parser.add_argument(
        "--sent-groups",
        default="20",
        help="INVITATION_SENT_GROUP values to measure, e.g. 1,20 (1: each 'sent' its own commit)",
    )
    parser.add_argument(
        "--pipelining",
        action="store_true",
        help="the mail server offers PIPELINING (raw smtplib does not use it; the workers do)",
    )
    args = parser.parse_args()
    count = args.count

    port = free_port()
    received = multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    server = multiprocessing.Process(
        target=sink, args=(port, received, ready, args.pipelining), daemon=True
    )
    server.start()
    ready.wait(10)

    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="ml-bench-invitations-")
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(16).hex())
    os.environ["DEBUG"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    os.environ.setdefault("LOG_LEVEL", "ERROR")

    import django

    django.setup()
    import django_rq
    from django.core.management import call_command
    from django.db import connection
    from rq import Worker

    from portal.accounts.models import Account, AccountStatus
    from portal.invitations import content
    from portal.invitations.models import Invitation
    from portal.invitations.services import accounts_invite_many, values_for
    from portal.lib import mail
    from portal.numbers.services import numbers_add
    from portal.organizations.services import organization_create
    from portal.permissions.models import PermissionGroup

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        call_command("flush", "--no-input", verbosity=0)
    queue = django_rq.get_queue("default")
    queue.empty()
    sizes = [int(w) for w in args.workers.split(",") if w.strip()]
    rounds = len([g for g in args.sent_groups.split(",") if g.strip()])

    organization = organization_create(
        actor=None, name="Bench Bank", slug="bench-bank", features=["voice_calling"]
    )
    group = PermissionGroup.objects.get(organization=organization, is_default=True)
    numbers_add(
        actor=None,
        organization=organization,
        values=[
            f"+1212{200 + i // 10000}{i % 10000:04d}"
            for i in range((rounds * len(sizes) + 1) * count + 10 * rounds * sum(sizes) + 10)
        ],
    )

    def make_accounts(prefix: str, how_many: int = count) -> list[Account]:
        Account.objects.bulk_create(
            [
                Account(
                    organization=organization,
                    permission_group=group,
                    first_name="User",
                    last_name=str(i),
                    email=f"{prefix}{i}@bank.example",
                    status=AccountStatus.NOT_INVITED,
                )
                for i in range(how_many)
            ],
            batch_size=500,
        )
        return list(
            Account.objects.filter(email__startswith=prefix).select_related(
                "organization", "number"
            )
        )

    # Raw smtplib: the portal's own messages, rendered beforehand, over one connection.
    baseline_accounts = make_accounts("raw")
    accounts_invite_many(actor=None, accounts=baseline_accounts)
    queue.empty()  # Rendered and sent here, not by a worker.
    wording = content.wording_for(organization, "en", "email")
    payloads = []
    for invitation in Invitation.objects.filter(account__in=baseline_accounts).select_related(
        "account__organization", "account__number"
    ):
        rendered = content.render_email(
            wording, values_for(invitation, token="x" * 43, code="12345678")
        )
        message = mail.build_message(
            to=invitation.recipient,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            images=rendered.images,
        )
        payloads.append((invitation.recipient, message.message().as_bytes(linesep="\r\n")))
    before = received.value
    start = time.perf_counter()
    cpu_before = (time.process_time(), cpu_seconds([server.pid]))
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for recipient, data in payloads:
            smtp.sendmail("no-reply@multiline.test", [recipient], data)
    wait_for(lambda: received.value >= before + len(payloads), 60, "the raw messages")
    raw_rate = len(payloads) / (time.perf_counter() - start)
    raw_cpu = (
        (time.process_time() - cpu_before[0]) / len(payloads) * 1000,
        (cpu_seconds([server.pid]) - cpu_before[1]) / len(payloads) * 1000,
    )

    def database_pids() -> list[int]:
        if connection.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            return [pid for (pid,) in cursor.fetchall()]

    # Sent here: left "queued", the workers' sweep would queue them again 30 s later (every
    # round after that one sending 1,000 more messages than it counts).
    Invitation.objects.filter(account__in=baseline_accounts).update(state="sent")

    results = []
    sent_groups = [int(g) for g in args.sent_groups.split(",") if g.strip()]
    for sent_group, size in [(g, n) for n in sizes for g in sent_groups]:  # interleaved
        env = {**os.environ, "INVITATION_SENT_GROUP": str(sent_group)}
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "django", "worker"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(  # noqa: SIM115 (closed with the process)
                    Path(os.environ["VAR_DIR"]) / f"worker-{sent_group}-{size}-{n}.log", "wb"
                ),
            )
            for n in range(size)
        ]
        try:
            wait_for(lambda: len(Worker.all(queue=queue)) >= size, 120, f"{size} workers to start")  # noqa: B023
            # Warm up as long-running workers are (modules, URLs, templates): one task each,
            # untimed.
            warm = make_accounts(f"warm{sent_group}-{size}-", size * 4)
            before = received.value
            for account in warm:
                accounts_invite_many(actor=None, accounts=[account])
            wait_for(lambda: received.value >= before + len(warm), 300, "the warm-up messages")  # noqa: B023
            accounts = make_accounts(f"w{sent_group}-{size}-")
            before = received.value
            pids = [w.pid for w in workers]
            database = database_pids()  # the workers' connections, opened by the warm-up
            cpu_before = [cpu_seconds(pids), cpu_seconds([server.pid]), cpu_seconds(database)]
            start = time.perf_counter()
            accounts_invite_many(actor=None, accounts=accounts)  # Queued at once (autocommit).
            wait_for(lambda: received.value >= before + count, 600, "every message")  # noqa: B023
            wait_for(
                lambda: (
                    Invitation.objects.filter(account__in=accounts, state="sent").count() == count  # noqa: B023
                ),
                60,
                "every invitation to be recorded as sent",
            )
            elapsed = time.perf_counter() - start
            cpu = [
                (cpu_seconds(group) - before_cpu) / count * 1000
                for group, before_cpu in zip(
                    (pids, [server.pid], database), cpu_before, strict=True
                )
            ]
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                try:
                    worker.wait(30)
                except subprocess.TimeoutExpired:
                    worker.kill()
        results.append((sent_group, size, count / elapsed, elapsed, cpu))
        time.sleep(0.5)
    server.terminate()

    size_kib = len(payloads[0][1]) / 1024 if payloads else 0
    print(
        f"Invitations sent to a local aiosmtpd server (its own process), {count} each; "
        f"{connection.vendor}; message ~{size_kib:.0f} KiB (text, HTML, QR PNG); {os.cpu_count()} "
        f"cores; PIPELINING {'offered' if args.pipelining else 'not offered'}"
    )
    print(
        f"  {'raw smtplib, one connection, messages rendered beforehand':<60} {raw_rate:8.0f}/s  "
        f"(CPU ms a message: client {raw_cpu[0]:.2f}, mail server {raw_cpu[1]:.2f})"
    )
    for group, size, rate, elapsed, cpu in results:
        label = f"{size} RQ worker{'s' if size > 1 else ''}, 'sent' recorded by {group}"
        print(
            f"  {label:<60} {rate:8.0f}/s  ({elapsed:5.2f} s; {rate / size:6.0f}/s per worker; "
            f"{rate / raw_rate:4.2f}× raw; CPU ms a message: workers {cpu[0]:.2f}, mail server "
            f"{cpu[1]:.2f}, database {cpu[2]:.2f})"
        )
    last = sent_groups[-1]
    one = next((rate for g, size, rate, _e, _c in results if size == 1 and g == last), None)
    if one is not None and one < args.min_ratio * raw_rate:
        print(f"FAIL: one worker sends {one / raw_rate:.2f}× raw smtplib, below {args.min_ratio}×")
        sys.exit(1)


if __name__ == "__main__":
    main()
