"""Benchmark of invitation delivery: `python bench/send_invitations.py [--count 1000]`.

On a fresh SQLite database (in a temporary VAR_DIR) it adds COUNT accounts, queues their
invitations and times ONE database worker (`db_worker --batch`, in this process) sending them to a
local aiosmtpd server, for both paths:

- bulk: `accounts_invite_many` (what batches and Resend use) → one task per 200 invitations, each
  sending over one SMTP connection;
- single: `account_invite` per account (Save & Invite) → one task, one connection per invitation.

Each time includes claiming the row (new token and code), rendering text + HTML + the QR code PNG,
and recording the outcome. Beside it, the baseline measured in the same run: raw smtplib sending the
very same rendered messages over one connection. Prints invitations per second and the ratio.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Counter:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while self.count < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    count = args.count

    port = free_port()
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="ml-bench-invitations-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    os.environ.setdefault("LOG_LEVEL", "ERROR")

    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.core.management import call_command

    from portal.accounts.models import Account, AccountStatus
    from portal.invitations import content
    from portal.invitations.models import Invitation
    from portal.invitations.services import account_invite, accounts_invite_many, values_for
    from portal.lib import mail
    from portal.numbers.services import numbers_add
    from portal.organizations.services import organization_create
    from portal.permissions.models import PermissionGroup

    call_command("migrate", verbosity=0)
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()

    organization = organization_create(actor=None, name="Bench Bank", slug="bench-bank", features=["voice_calling"])
    group = PermissionGroup.objects.get(organization=organization, is_default=True)
    numbers_add(actor=None, organization=organization,
                values=[f"+1212{200 + i // 10000}{i % 10000:04d}" for i in range(2 * count + 10)])

    def make_accounts(prefix: str) -> list[Account]:
        Account.objects.bulk_create([
            Account(organization=organization, permission_group=group, first_name="User", last_name=str(i),
                    email=f"{prefix}{i}@bank.example", status=AccountStatus.NOT_INVITED)
            for i in range(count)
        ], batch_size=500)
        return list(Account.objects.filter(email__startswith=prefix).select_related("organization", "number"))

    def run_worker(expected: int) -> float:
        start = time.perf_counter()
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
        counter.wait_for(expected)
        return time.perf_counter() - start

    results = {}
    # Bulk path.
    accounts = make_accounts("bulk")
    accounts_invite_many(actor=None, accounts=accounts)
    before = counter.count
    elapsed = run_worker(before + count)
    sent = Invitation.objects.filter(account__in=accounts, state="sent").count()
    results["bulk"] = (sent, elapsed)

    # Single path: one task per invitation.
    singles = make_accounts("single")
    for account in singles:
        account_invite(actor=None, account=account)
    before = counter.count
    elapsed = run_worker(before + count)
    sent_single = Invitation.objects.filter(account__in=singles, state="sent").count()
    results["single"] = (sent_single, elapsed)

    # Baseline: the same rendered messages, raw smtplib, one connection.
    invitations = list(Invitation.objects.filter(account__in=accounts).select_related(
        "account__organization", "account__number"))
    wording = content.wording_for(organization, "en", "email")
    payloads = []
    for invitation in invitations:
        rendered = content.render_email(wording, values_for(invitation, token="x" * 43, code="12345678"))
        message = mail.build_message(to=invitation.recipient, subject=rendered.subject, text=rendered.text,
                                     html=rendered.html, images=rendered.images)
        payloads.append((invitation.recipient, message.message().as_bytes(linesep="\r\n")))
    before = counter.count
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for recipient, data in payloads:
            smtp.sendmail("no-reply@multiline.test", [recipient], data)
    counter.wait_for(before + len(payloads))
    baseline = time.perf_counter() - start
    controller.stop()

    size = len(payloads[0][1]) if payloads else 0
    base_rate = len(payloads) / baseline
    print(f"Invitations sent by one worker to a local aiosmtpd server ({count} each, message ~{size // 1024} KiB "
          "with HTML and QR PNG):")
    for name, label in (("bulk", "bulk path (send_invitations, one connection per 200)"),
                        ("single", "single path (one task and connection per invitation)")):
        sent, elapsed = results[name]
        rate = sent / elapsed
        print(f"  {label:<56} {sent:>6} sent in {elapsed:6.2f} s = {rate:7.1f}/s   "
              f"ratio to baseline {rate / base_rate:5.2f}")
    print(f"  {'baseline: raw smtplib, same messages, one connection':<56} {len(payloads):>6} sent in "
          f"{baseline:6.2f} s = {base_rate:7.1f}/s")


if __name__ == "__main__":
    main()
