"""Workers heal themselves (PostgreSQL + Redis/RQ, real worker processes): a dropped database
connection, a killed worker and a mail server that is down cost at most the work in flight, which
is done again automatically, once. Each test prints its figures (pytest -s to see them)."""

from __future__ import annotations

import time
from collections import Counter
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller

from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.batches.models import Batch, BatchRow
from portal.batches.services import batch_create, report_rows
from portal.batches.tests import files
from portal.conftest import add_numbers, free_port
from portal.invitations.models import Invitation
from portal.invitations.services import accounts_invite_many
from portal.jobs.tests.workers import SlowMailbox, Workers, wait_until

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workers(postgres_only, rq_queue, tmp_path):
    rq_queue.empty()  # What the fixtures queued (alert checks) is not these tests' work.
    pool = Workers(tmp_path)
    yield pool
    pool.stop_all()


@contextmanager
def mail_server(settings, mailbox: SlowMailbox, port: int | None = None):
    port = port or free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def use_smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False


def uk_numbers(count: int, start: int = 0) -> list[str]:
    return [f"+44791112{start + i:04d}" for i in range(count)]


def upload(alice, group_a, rows: int, *, invite: bool, settings) -> Batch:
    settings.BATCH_MAX_ROWS = rows
    data = files.excel_csv_utf8([files.row(email=f"user{i}@example.com") for i in range(rows)])
    return batch_create(
        actor=alice,
        organization=group_a.organization,
        permission_group=group_a,
        filename="people.csv",
        data=data,
        invite=invite,
    )


def assert_report_complete(batch: Batch) -> None:
    batch.refresh_from_db()
    assert batch.status == "completed", batch.error
    assert batch.processed == batch.total == BatchRow.objects.filter(batch=batch).count()
    outcomes = [line[-5] for line in list(report_rows(batch))[1:]]
    assert "not processed" not in outcomes and len(outcomes) == batch.total
    assert Account.objects.filter(batch=batch).count() == batch.succeeded == batch.total


def invite(alice, org_a, count: int) -> list[Invitation]:
    add_numbers(org_a, uk_numbers(count))
    accounts = [
        account_add(actor=alice, organization=org_a, data={"email": f"user{i}@example.com"})
        for i in range(count)
    ]
    return [inv for _a, inv, _r in accounts_invite_many(actor=alice, accounts=accounts)]


def test_a_dropped_connection_mid_batch_costs_one_chunk_and_the_batch_completes(
    workers, alice, group_a, settings
):
    # Small chunks: 200 transactions, so the import cannot finish before the cut (COPY is fast).
    worker = workers.start(BATCH_CHUNK_ROWS=5)
    batch = upload(alice, group_a, 1000, invite=False, settings=settings)
    wait_until(
        lambda: Batch.objects.filter(pk=batch.pk, processed__gt=0).exists(),
        timeout=120,
        step=0.01,
        what="the batch to start",
    )
    cut = time.monotonic()
    assert worker.terminate_connections() >= 1
    assert not Batch.objects.filter(pk=batch.pk, status="completed").exists(), "cut too late"
    wait_until(
        lambda: (
            Batch.objects.filter(pk=batch.pk, runs__gte=2, status="running").exists()
            or Batch.objects.filter(pk=batch.pk, status="completed").exists()
        ),
        timeout=120,
        step=0.02,
        what="the batch to run again",
    )
    resumed = time.monotonic() - cut
    wait_until(
        lambda: Batch.objects.filter(pk=batch.pk, status="completed").exists(),
        timeout=120,
        what="the batch to complete",
    )
    completed = time.monotonic() - cut
    assert_report_complete(batch)
    batch.refresh_from_db()
    assert batch.runs >= 2 and batch.recoveries >= 1  # It stopped, and was queued again by itself.
    # The worker is still usable: the next batch runs on it.
    second = upload(alice, group_a, 20, invite=False, settings=settings)
    wait_until(
        lambda: Batch.objects.filter(pk=second.pk, status="completed").exists(),
        timeout=120,
        what="a later batch",
    )
    assert worker.alive
    print(
        f"\nconnection dropped mid-batch: running again {resumed:.1f} s after the cut, 1,000 rows "
        f"completed after {completed:.1f} s; runs={batch.runs}, recoveries={batch.recoveries}"
    )


def test_a_dropped_connection_mid_send_delivers_each_invitation_once(
    workers, alice, org_a, settings
):
    port = free_port()
    use_smtp(settings, port)
    with mail_server(settings, SlowMailbox(delay=0.02), port) as mailbox:
        worker = workers.start()
        invitations = invite(alice, org_a, 100)
        wait_until(lambda: len(mailbox.messages) >= 10, timeout=120, what="the sending to start")
        cut, before = time.monotonic(), len(mailbox.messages)
        assert worker.terminate_connections() >= 1
        wait_until(
            lambda: len(mailbox.messages) > before + 1,
            timeout=120,
            step=0.02,
            what="the sending to go on",
        )
        resumed = time.monotonic() - cut
        wait_until(
            lambda: (
                len(mailbox.messages) >= 100
                and not Invitation.objects.exclude(state="sent").exists()
            ),
            timeout=120,
            what="every invitation to be sent",
        )
        recovered = time.monotonic() - cut
        time.sleep(0.5)  # Nothing more arrives.
    assert set(mailbox.per_recipient().values()) == {1} and len(mailbox.messages) == 100
    assert worker.alive
    attempts = sorted(set(Invitation.objects.values_list("attempts", flat=True)))
    print(
        f"\nconnection dropped mid-send after {before} messages: sending went on {resumed:.1f} s "
        f"after the cut; 100 invitations each delivered once, the last after {recovered:.1f} s; "
        f"attempts {attempts}"
    )
    assert {i.pk for i in invitations} == set(
        Invitation.objects.filter(state="sent").values_list("pk", flat=True)
    )


def test_a_killed_worker_mid_batch_is_finished_by_a_new_one_and_each_invitation_sent_once(
    workers, alice, group_a, org_a, settings
):
    port = free_port()
    use_smtp(settings, port)
    add_numbers(org_a, uk_numbers(200))
    org_a.alert_batch_finished = False  # the mailbox counts invitations, not the batch summary
    org_a.save(update_fields=["alert_batch_finished"])
    with mail_server(settings, SlowMailbox(), port) as mailbox:
        first = workers.start(BATCH_CHUNK_ROWS=10)
        batch = upload(alice, group_a, 200, invite=True, settings=settings)
        wait_until(
            lambda: Batch.objects.filter(pk=batch.pk, processed__gt=0).exists(),
            timeout=120,
            step=0.01,
            what="the batch to start",
        )
        first.kill()
        killed = time.monotonic()
        processed_at_kill = Batch.objects.get(pk=batch.pk).processed
        workers.start()  # A new worker, and no manual step.
        wait_until(
            lambda: Batch.objects.filter(pk=batch.pk, status="completed").exists(),
            timeout=120,
            what="the batch to complete",
        )
        completed = time.monotonic() - killed
        wait_until(lambda: len(mailbox.messages) >= 200, timeout=150, what="200 invitations")
        delivered = time.monotonic() - killed
        time.sleep(0.5)
    assert_report_complete(batch)
    assert len(mailbox.messages) == 200 and set(mailbox.per_recipient().values()) == {1}
    print(
        f"\nworker killed mid-batch at {processed_at_kill}/200 rows: completed by a new worker "
        f"{completed:.1f} s after the kill, all 200 invitations delivered once after "
        f"{delivered:.1f} s"
    )


@pytest.mark.parametrize("group", [20, 1], ids=["sent-in-groups", "sent-one-by-one"])
def test_a_killed_worker_mid_send_is_finished_by_a_new_one_resending_only_what_was_unrecorded(
    workers, alice, org_a, settings, group
):
    """ "Sent" is recorded in groups (INVITATION_SENT_GROUP, default 20, or every 200 ms): a worker
    killed mid-send loses nothing, and sends again exactly the messages delivered since its last
    record, never more than a group; one by one (1), nothing is sent twice."""
    port = free_port()
    use_smtp(settings, port)
    # The mail server hangs on the 20th message: the worker is inside that send when it is killed.
    with mail_server(settings, SlowMailbox(gate_at=20), port) as mailbox:
        first = workers.start(INVITATION_SENT_GROUP=str(group))
        invitations = invite(alice, org_a, 50)
        wait_until(mailbox.gated.is_set, timeout=120, what="the 20th message")
        first.kill()
        killed = time.monotonic()
        mailbox.release()
        assert len(mailbox.messages) == 19
        stranded = Counter(Invitation.objects.values_list("state", flat=True))
        workers.start()
        wait_until(
            lambda: (
                len(mailbox.messages) >= 50 + 19 - stranded["sent"]
                and not Invitation.objects.exclude(state="sent").exists()
            ),
            timeout=120,
            what="every invitation to be sent",
        )
        recovered = time.monotonic() - killed
        time.sleep(0.5)
    unrecorded = 19 - stranded["sent"]  # delivered before the kill, not yet recorded as sent
    assert 0 <= unrecorded < group
    assert len(mailbox.messages) == 50 + unrecorded  # those again, and nothing else twice
    per_recipient = mailbox.per_recipient()
    assert len(per_recipient) == 50 and set(per_recipient.values()) <= {1, 2}
    assert sum(n == 2 for n in per_recipient.values()) == unrecorded
    assert {i.pk for i in invitations} == set(
        Invitation.objects.filter(state="sent").values_list("pk", flat=True)
    )
    print(
        f"\nworker killed mid-send, sent recorded by {group} (left: {dict(stranded)}): a new "
        f"worker delivered the other {50 - 19}, and {unrecorded} sent again (unrecorded), "
        f"{recovered:.1f} s after the kill"
    )


def test_a_mail_server_down_then_up_gets_each_invitation_once(workers, alice, org_a, settings):
    port = free_port()
    use_smtp(settings, port)  # Nothing listens there yet: connection refused, a temporary failure.
    workers.start(INVITATION_RETRY_DELAYS="1")
    invitations = invite(alice, org_a, 30)
    wait_until(
        lambda: Invitation.objects.filter(attempts__gte=1, state="queued").count() == 30,
        timeout=120,
        what="every first attempt to fail",
    )
    with mail_server(settings, SlowMailbox(), port) as mailbox:
        up = time.monotonic()
        wait_until(
            lambda: (
                len(mailbox.messages) >= 30
                and not Invitation.objects.exclude(state="sent").exists()
            ),
            timeout=120,
            what="every invitation to be sent",
        )
        recovered = time.monotonic() - up
        time.sleep(1.5)  # A retry more would have come by now.
    assert len(mailbox.messages) == 30 and set(mailbox.per_recipient().values()) == {1}
    attempts = sorted(
        Invitation.objects.filter(pk__in=[i.pk for i in invitations]).values_list(
            "attempts", flat=True
        )
    )
    assert attempts[0] >= 2
    print(
        f"\nmail server down then up: 30 invitations each delivered once, {recovered:.1f} s after "
        f"it came back; attempts {attempts[0]}-{attempts[-1]}"
    )
