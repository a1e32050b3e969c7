"""Four overlapping Import & Invite batches run at once into one organization (PostgreSQL):
no deadlock, every person once, `exists` for the rows another batch wrote, onboarding capacity
never over-committed, one email per invited account."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from portal.accounts.models import Account, AccountStatus
from portal.accounts.selectors import onboarding_capacity
from portal.batches.models import BatchRow, BatchStatus
from portal.batches.services import batch_create, batch_run
from portal.batches.tests import files
from portal.conftest import add_numbers
from portal.invitations.models import Invitation

PEOPLE = 175  # batch k holds persons 25k … 25k+99: each overlaps the next by 75
NUMBERS = [f"+4479111{i:05d}" for i in range(75)]  # +44 7911 100000 …


def _row(person: int) -> dict:
    # Every fourth of the first forty names its own (reserved) number; the others pick one of the
    # 65 available numbers at activation. (Naming an *available* number is an admin's pick, never
    # refused for capacity: that it may then go below zero is what the threshold alert is for.)
    number = NUMBERS[65 + person // 4] if person < 40 and person % 4 == 0 else ""
    return files.row(
        email=f"person{person}@example.com", firstname=f"P{person}", multiline_number=number
    )


@pytest.mark.django_db(transaction=True)
def test_four_overlapping_batches_at_once(
    postgres_only, settings, alice, org_a, group_a, smtp_server, run_tasks
):
    settings.BATCH_CHUNK_ROWS = 25  # chunks of the four batches interleave
    org_a.alert_batch_finished = False  # the mailbox counts invitations, not the batch summaries
    org_a.save(update_fields=["alert_batch_finished"])
    add_numbers(org_a, NUMBERS[:65])
    add_numbers(org_a, NUMBERS[65:], status="reserved")
    batches = []
    for k in range(4):
        people = list(range(25 * k, 25 * k + 100))
        if k % 2:
            people.reverse()  # the same rows in another order: the order that used to deadlock
        data = files.excel_csv_utf8([_row(p) for p in people])
        batches.append(
            batch_create(
                actor=alice,
                organization=org_a,
                permission_group=group_a,
                filename=f"part{k}.csv",
                data=data,
                invite=True,
                enqueue=False,
            )
        )
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(batch_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            batch_run(batch_id=batch_id)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(b.pk,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    seconds = time.perf_counter() - started

    assert errors == []
    for batch in batches:
        batch.refresh_from_db()
        assert batch.status == BatchStatus.COMPLETED, batch.error  # e.g. no "deadlock detected"
    rows = list(BatchRow.objects.filter(batch__in=batches))
    accounts = Account.objects.in_bulk([r.account_id for r in rows])
    by_result = {
        r: sum(1 for row in rows if row.result == r) for r in ("imported", "exists", "failed")
    }
    print(f"4 batches x 100 rows, {PEOPLE} people: {seconds:.2f} s, {by_result}")
    assert len(rows) == 400 and by_result["failed"] == 0
    assert by_result == {"imported": PEOPLE, "exists": 400 - PEOPLE, "failed": 0}
    assert Account.objects.filter(organization=org_a).count() == PEOPLE
    for row in rows:  # an `exists` row names the account another batch wrote for the same person
        account = accounts[row.account_id]
        assert account.email == f"person{account.first_name[1:]}@example.com"
        assert (account.batch_id == row.batch_id) == (row.result == "imported")

    # Capacity: 65 available numbers for the people who pick theirs; 10 more named in rows.
    waiting = Account.objects.filter(
        organization=org_a, status=AccountStatus.INVITED, number__isnull=True
    )
    invited = Account.objects.filter(organization=org_a, status=AccountStatus.INVITED)
    print(
        f"invited {invited.count()}, waiting for a number {waiting.count()}, "
        f"capacity left {onboarding_capacity(org_a)}"
    )
    assert onboarding_capacity(org_a) == 0
    assert waiting.count() == 65 and invited.count() == 75
    not_sent = [r for r in rows if r.result == "imported" and r.invitation.startswith("not sent")]
    assert len(not_sent) == PEOPLE - 75 and all(
        "no available number" in r.invitation for r in not_sent
    )

    # One invitation, and one email, per invited account.
    assert Invitation.objects.filter(account__organization=org_a).count() == 75
    run_tasks()
    messages = smtp_server.wait_for(75, timeout=30)
    recipients = sorted(str(m["To"]) for m in messages)
    print(f"emails: {len(messages)} to {len(set(recipients))} addresses")
    assert len(messages) == 75 and len(set(recipients)) == 75
    assert sorted(a.email for a in invited) == recipients
