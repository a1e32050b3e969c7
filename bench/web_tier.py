"""Benchmark of the web tier: `python bench/web_tier.py [--postgres URL] [--clients 20] [--seconds \
20]`.

Serves the portal with gunicorn (2 workers, as docs/deploy.md sizes 2 cores) on a fresh database
(SQLite in a temporary VAR_DIR, or PostgreSQL with --postgres / BENCH_POSTGRES_URL), then measures,
with a Python load generator of threads (one HTTP connection each):

1. activations: end users activating through the API (`POST /api/v1/activation/{token}`, the
   number assigned), --activations of them by the clients at once: activations/s;
2. the Accounts page (`/accounts/`, signed in) and the API (`GET /api/v1/accounts`, a bearer
   token), --clients clients for --seconds each, while a worker (`multiline worker`) imports a
   --batch-rows Import & Invite batch: requests/s, p50 and p95.

Activation rate limits are raised for the run (ACTIVATION_RATE_PER_ADDRESS: every client is
127.0.0.1). Exits 1 when a request fails or p95 is over --max-p95 seconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(
    port: int,
    requests: list[tuple[str, str, dict, bytes | None]],
    clients: int,
    *,
    seconds: float | None = None,
) -> tuple[list[float], int, float]:
    """Run `requests` (method, path, headers, body) from `clients` threads: each takes the next
    one in turn (all once when `seconds` is None, else round and round for that long).
    Returns (latencies, errors, elapsed)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    position = [0]
    deadline = None if seconds is None else time.monotonic() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if deadline is None and position[0] >= len(requests):
                    return
                if deadline is not None and time.monotonic() >= deadline:
                    return
                method, path, headers, body = requests[position[0] % len(requests)]
                position[0] += 1
            start = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.perf_counter() - start


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", ""))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--activations", type=int, default=1000)
    parser.add_argument("--batch-rows", type=int, default=10000)
    parser.add_argument("--max-p95", type=float, default=2.0)
    args = parser.parse_args()

    var = tempfile.mkdtemp(prefix="ml-bench-web-")
    os.environ.update(
        VAR_DIR=var,
        SECRET_KEY="bench-only-" + os.urandom(16).hex(),
        DEBUG="false",
        EMAIL_URL="memory://",
        LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="portal.settings",
        ACTIVATION_RATE_PER_ADDRESS="1000000/m",
        ACTIVATION_RATE_PER_INVITATION="1000/m",
        BATCH_MAX_ROWS=str(max(args.batch_rows, 1000)),
        BATCH_MAX_BYTES=str(64 * 1024 * 1024),
    )
    os.environ.pop("REDIS_URL", None)
    if args.postgres:
        os.environ["DATABASE_URL"] = args.postgres
    else:
        os.environ.pop("DATABASE_URL", None)

    import django

    django.setup()
    from datetime import timedelta

    import import_accounts as bench_import
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from portal.access.models import hash_token
    from portal.access.services import token_issue
    from portal.accounts.models import Account, AccountStatus
    from portal.batches.services import batch_create
    from portal.invitations.models import Channel, Invitation, InvitationState
    from portal.numbers.models import Number, NumberStatus
    from portal.numbers.services import numbers_add
    from portal.organizations.services import organization_create
    from portal.permissions.models import PermissionGroup

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        call_command("flush", "--no-input", verbosity=0)
    user = get_user_model().objects.create_superuser("bench", "bench@example.com", "Bench-pass-1")
    _token, raw = token_issue(actor=user, user=user)
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = (
        str(user.pk),
        settings.AUTHENTICATION_BACKENDS[0],
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()

    organization = organization_create(
        actor=None,
        name="Bench Bank",
        slug="bench-bank",
        features=["voice_calling", "sms", "social_messaging", "call_recording", "sms_recording"],
    )
    group = PermissionGroup.objects.get(organization=organization, is_default=True)
    values = bench_import.numbers_for(args.activations, 7)
    numbers_add(actor=None, organization=organization, values=values)
    numbers = dict(Number.objects.filter(e164__in=values).values_list("e164", "pk"))
    Number.objects.filter(pk__in=numbers.values()).update(status=NumberStatus.ASSIGNED)
    Account.objects.bulk_create(
        [
            Account(
                organization=organization,
                permission_group=group,
                first_name="List",
                last_name=str(i),
                email=f"list{i}@bank.example",
                status=AccountStatus.NOT_INVITED,
            )
            for i in range(args.accounts)
        ],
        batch_size=1000,
    )
    invited = Account.objects.bulk_create(
        [
            Account(
                organization=organization,
                permission_group=group,
                first_name="User",
                last_name=str(i),
                email=f"user{i}@bank.example",
                status=AccountStatus.INVITED,
                number_id=numbers[e164],
            )
            for i, e164 in enumerate(values)
        ],
        batch_size=1000,
    )
    tokens = [f"bench-{i}-{os.urandom(12).hex()}" for i in range(len(invited))]
    expires = timezone.now() + timedelta(days=7)
    Invitation.objects.bulk_create(
        [
            Invitation(
                account=account,
                channel=Channel.EMAIL,
                recipient=account.email,
                state=InvitationState.SENT,
                token_hash=hash_token(token),
                expires_at=expires,
                sent_at=timezone.now(),
                attempts=1,
            )
            for account, token in zip(invited, tokens)
        ],
        batch_size=1000,
    )
    org = organization_create(
        actor=None,
        name="Bench Import",
        slug="bench-import",
        features=["voice_calling", "sms", "social_messaging", "call_recording", "sms_recording"],
    )
    batch_numbers = bench_import.numbers_for(args.batch_rows + 10, 0, 1)
    numbers_add(actor=None, organization=org, values=batch_numbers)
    data = bench_import.make_csv(args.batch_rows, batch_numbers, "web")
    connection.close()

    port = free_port()
    env = os.environ.copy()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    worker = None
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=5).request("GET", "/login/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)
        json_headers = {"Content-Type": "application/json"}
        load(
            port, [("GET", f"/api/v1/activation/{t}", {}, None) for t in tokens[:20]], 4
        )  # warm-up
        latencies, errors, elapsed = load(
            port,
            [("POST", f"/api/v1/activation/{t}", json_headers, b"{}") for t in tokens],
            args.clients,
        )
        activated = Account.objects.filter(
            pk__in=[a.pk for a in invited], status=AccountStatus.ACTIVE
        ).count()
        activations = (
            len(latencies) / elapsed,
            p(latencies, 50),
            p(latencies, 95),
            errors,
            activated,
        )

        page = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"}
        api = {"Authorization": f"Bearer {raw}"}
        load(
            port, [("GET", "/accounts/", page, None), ("GET", "/api/v1/accounts", api, None)] * 5, 4
        )  # warm-up
        batch = batch_create(
            actor=user,
            organization=org,
            permission_group=None,
            filename="web.csv",
            data=data,
            invite=True,
        )  # queued for the worker (database task backend)
        worker = subprocess.Popen(
            [sys.executable, "-m", "django", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while Account.objects.filter(batch=batch).count() < 1:
            time.sleep(0.05)
        tiers = {}
        for name, request in (
            ("Accounts page", ("GET", "/accounts/", page, None)),
            ("API GET /accounts", ("GET", "/api/v1/accounts", api, None)),
        ):
            lat, err, took = load(port, [request], args.clients, seconds=args.seconds / 2)
            tiers[name] = (len(lat) / took, p(lat, 50), p(lat, 95), err, len(lat))
        batch.refresh_from_db()
        importing = batch.status
        imported = batch.processed
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(30)
        server.send_signal(signal.SIGTERM)
        server.wait(30)

    rate, p50, p95, errors, activated = activations
    print(
        f"Web tier: gunicorn, 2 workers, {connection.vendor}, {os.cpu_count()} cores, "
        f"{args.clients} client threads"
    )
    print(
        f"  activations (POST /api/v1/activation/{{token}}): {rate:7.0f}/s  p50 {p50 * 1000:6.0f} "
        f"ms  p95 {p95 * 1000:6.0f} ms  errors {errors}  accounts active {activated}/{len(tokens)}"
    )
    print(
        f"  while a {args.batch_rows:,}-row Import & Invite ran ({imported:,} rows done by the "
        f"end, {importing}):"
    )
    failed = errors > 0 or activated != len(tokens)
    for name, (rate, p50, p95, err, count) in tiers.items():
        print(
            f"  {name:<20} {rate:7.0f} req/s  p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  "
            f"({count} requests, {err} errors)"
        )
        failed |= err > 0 or p95 > args.max_p95
    print(
        json.dumps(
            {
                "activations_per_s": round(activations[0], 1),
                **{name: round(t[0], 1) for name, t in tiers.items()},
            }
        )
    )
    if failed:
        print(f"FAIL: errors, or a p95 over {args.max_p95} s")
        sys.exit(1)


if __name__ == "__main__":
    main()
