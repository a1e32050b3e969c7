"""Import and Import & Invite: whole rows, existing rows, races, chunks, resuming, the report."""

import csv
import io

import pytest

from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.audit.models import AuditEvent
from portal.batches import services
from portal.batches.models import BatchRow
from portal.batches.tests import files
from portal.batches.tests.conftest import results
from portal.invitations.models import Invitation
from portal.lib.csvfile import FileRefused
from portal.numbers.models import Number

R = files.row


def report(batch) -> list[dict]:
    text = "".join(services.report_csv_lines(batch)).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_it_imports_each_row_whole_account_number_and_audit(upload, numbers_a, group_a):
    batch = upload(
        files.excel_csv_utf8(
            [R(email="a@example.com", multiline_number=numbers_a[0]), R(email="b@example.com")]
        )
    )
    assert (batch.status, batch.succeeded, batch.failed, batch.processed) == ("completed", 2, 0, 2)
    a = Account.objects.get(email="a@example.com")
    assert a.number.e164 == numbers_a[0] and a.permission_group == group_a and a.batch == batch
    assert a.status == "not_invited"
    assert Number.objects.get(e164=numbers_a[0]).status == "assigned"
    events = AuditEvent.objects.filter(action="account.create", batch_id=batch.pk)
    assert sorted(e.target_id for e in events) == sorted(
        str(pk) for pk in Account.objects.values_list("pk", flat=True)
    )
    assert all(e.via == "batch" and e.actor.username == "alice" for e in events)
    assert (
        results(batch)[2].account_id == a.pk and results(batch)[2].multiline_number == numbers_a[0]
    )


def test_uploading_the_same_file_again_reports_existing_rows_not_duplicates(upload, numbers_a):
    data = files.excel_csv_utf8(
        [R(email="a@example.com", multiline_number=numbers_a[0]), R(email="bad")]
    )
    first = upload(data)
    second = upload(data)
    assert (second.succeeded, second.existing, second.failed) == (0, 1, 1)
    row = results(second)[2]
    assert row.result == "exists" and row.account_id == Account.objects.get().pk
    assert row.multiline_number == numbers_a[0]
    assert "already has an account in Org A" in row.reason
    assert Account.objects.count() == 1
    assert first.pk != second.pk


def test_fixed_rows_of_the_same_file_are_imported_on_the_next_upload(upload):
    upload(
        files.excel_csv_utf8(
            [R(email="a@example.com"), R(email="b@example.com", monitor_sms="maybe")]
        )
    )
    batch = upload(files.excel_csv_utf8([R(email="a@example.com"), R(email="b@example.com")]))
    assert [r.result for r in batch.rows.order_by("row")] == ["exists", "imported"]


def test_import_and_invite_queues_one_invitation_per_row_and_says_why_not(upload, org_a, numbers_a):
    org_a.allowed_email_domains = "example.com"
    org_a.save()
    batch = upload(
        files.excel_csv_utf8(
            [
                R(email="a@example.com", multiline_number=numbers_a[0]),
                R(email="b@example.com"),
                R(email="c@elsewhere.org"),
            ]
        ),
        invite=True,
    )
    assert (batch.succeeded, batch.invited, batch.failed) == (3, 2, 0)
    verdicts = results(batch)
    assert verdicts[2].invitation == verdicts[3].invitation == "queued"
    assert (
        verdicts[4].invitation.startswith("not sent:") and "example.com" in verdicts[4].invitation
    )
    assert Invitation.objects.count() == 2
    assert Account.objects.get(email="a@example.com").status == "invited"
    assert Account.objects.get(email="c@elsewhere.org").status == "not_invited"


def test_without_numbers_left_the_row_is_imported_and_its_invitation_explained(upload, org_a):
    batch = upload(
        files.excel_csv_utf8([R(email="a@example.com")]), invite=True
    )  # Org A has no number at all.
    row = results(batch)[2]
    assert row.result == "imported" and row.invitation.startswith("not sent:")
    assert "number" in row.invitation


def test_a_row_losing_a_race_at_write_time_is_reported_and_the_rest_imported(
    upload, monkeypatch, alice, org_a, numbers_a, org_b
):
    from portal.accounts import bulk

    original = bulk.find_conflicts

    def racing(*args, **kwargs):
        found = original(*args, **kwargs)
        # Other admins take a number and two emails between the check and the write: one of the
        # same person in this organization (the row then exists), one in another organization.
        account_add(
            actor=alice,
            organization=org_a,
            data={"email": "racer@example.com", "multiline_number": numbers_a[0]},
        )
        account_add(actor=None, organization=org_a, data={"email": "c@example.com"})
        account_add(actor=None, organization=org_b, data={"email": "d@example.com"})
        return found

    monkeypatch.setattr(bulk, "find_conflicts", racing)
    batch = upload(
        files.excel_csv_utf8(
            [
                R(email="a@example.com", multiline_number=numbers_a[0]),
                R(email="b@example.com", multiline_number=numbers_a[1]),
                R(email="c@example.com"),
                R(email="d@example.com"),
            ]
        )
    )
    verdicts = results(batch)
    assert verdicts[2].result == "failed" and "just taken" in verdicts[2].reason
    assert verdicts[3].result == "imported"
    assert (
        verdicts[4].result == "exists" and "already has an account in Org A" in verdicts[4].reason
    )
    assert verdicts[4].account_id == Account.objects.get(email="c@example.com").pk
    assert (
        verdicts[5].result == "failed"
        and verdicts[5].reason == "email: This email address is not available."
    )
    assert Account.objects.filter(batch=batch).count() == 1
    assert Number.objects.get(e164=numbers_a[1]).account.email == "b@example.com"


def test_a_crash_leaves_no_half_row_and_resuming_continues_after_the_last_committed_row(
    upload, monkeypatch, settings, alice
):
    settings.BATCH_CHUNK_ROWS = 2
    calls = {"n": 0}
    original = services.accounts_add_many

    def crashing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            original(**kwargs)  # The chunk is written, then the worker dies before its commit.
            raise RuntimeError("worker killed")
        return original(**kwargs)

    monkeypatch.setattr(services, "accounts_add_many", crashing)
    rows = [R(email=f"u{i}@example.com") for i in range(5)]
    batch = upload(files.excel_csv_utf8(rows))
    assert batch.status == "failed"
    assert (
        "Stopped after row 3: worker killed" in batch.error
        and "2 of 5 rows were handled" in batch.error
    )
    assert Account.objects.count() == 2 and BatchRow.objects.filter(batch=batch).count() == 2
    assert batch.processed == 2

    monkeypatch.setattr(services, "accounts_add_many", original)
    services.batch_resume(actor=alice, batch=batch, enqueue=False)
    batch = services.batch_run(batch_id=batch.pk)
    assert (batch.status, batch.processed, batch.succeeded, batch.failed) == ("completed", 5, 5, 0)
    assert Account.objects.count() == 5
    assert sorted(BatchRow.objects.filter(batch=batch).values_list("row", flat=True)) == [
        2,
        3,
        4,
        5,
        6,
    ]


def test_a_duplicate_of_a_row_committed_before_a_resume_is_still_a_duplicate(
    upload, monkeypatch, settings, alice
):
    settings.BATCH_CHUNK_ROWS = 1
    original = services.accounts_add_many
    calls = {"n": 0}

    def crashing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return original(**kwargs)

    monkeypatch.setattr(services, "accounts_add_many", crashing)
    batch = upload(
        files.excel_csv_utf8(
            [R(email="a@example.com"), R(email="b@example.com"), R(email="a@example.com")]
        )
    )
    monkeypatch.setattr(services, "accounts_add_many", original)
    services.batch_resume(actor=alice, batch=batch, enqueue=False)
    batch = services.batch_run(batch_id=batch.pk)
    assert results(batch)[4].result == "failed"
    assert "is also in row 2 of this upload" in results(batch)[4].reason


def test_a_running_batch_cannot_be_resumed_twice_when_completed(upload, alice):
    from portal.lib.errors import Conflict

    batch = upload(files.excel_csv_utf8([R()]))
    with pytest.raises(Conflict):
        services.batch_resume(actor=alice, batch=batch, enqueue=False)


def test_the_report_has_the_original_columns_then_the_outcome_and_neutralises_formulas(
    upload, numbers_a
):
    batch = upload(
        files.excel_csv_utf8(
            [
                R(
                    firstname='=HYPERLINK("http://evil")',
                    email="a@example.com",
                    multiline_number=numbers_a[0],
                ),
                R(firstname="@SUM(1)", lastname="-2+3", email="bad"),
            ]
        )
    )
    rows = report(batch)
    assert list(rows[0])[:10] == files.HEADER
    header = next(
        csv.reader(io.StringIO("".join(services.report_csv_lines(batch)).lstrip("\ufeff")))
    )
    assert header == files.HEADER + services.REPORT_COLUMNS
    assert rows[0]["firstname"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["row"] == "2" and rows[0]["result"] == "imported"
    assert rows[0]["account_id"] == str(Account.objects.get().pk)
    assert rows[1]["firstname"] == "'@SUM(1)" and rows[1]["lastname"] == "'-2+3"
    assert rows[1]["result"] == "failed" and "email:" in rows[1]["reason"]


def test_the_template_has_the_organizations_columns_and_a_note_to_delete(
    org_a, org_a_child, group_a
):
    text = services.template_csv(organization=org_a, permission_group=group_a).lstrip("\ufeff")
    header, note = list(csv.reader(io.StringIO(text)))
    assert header == files.HEADER
    assert note[0].startswith("Note:") and "Delete this Note row before uploading" in note[0]
    child = list(
        csv.reader(
            io.StringIO(
                services.template_csv(organization=org_a_child, permission_group=None).lstrip(
                    "\ufeff"
                )
            )
        )
    )
    assert "restrict_incoming_social_messaging" not in child[0]


def test_the_template_uploaded_with_its_note_is_refused_and_without_it_imports(
    upload, org_a, group_a
):
    text = services.template_csv(organization=org_a, permission_group=group_a)
    with pytest.raises(FileRefused) as refused:
        upload((text + "a@example.com\r\n").encode("utf-8"))
    assert "Row 2 is still the template's instructions “Note”" in refused.value.message
    lines = text.split("\r\n")
    filled = "\r\n".join([lines[0], "Ada,Lovelace,ada@example.com,Yes,,auto,on,,true,English", ""])
    assert upload(filled.encode()).succeeded == 1


def test_the_designated_admins_get_the_summary_with_the_report_link(
    upload, org_a, alice, bob, mailoutbox, run_tasks, django_capture_on_commit_callbacks
):
    org_a.report_recipients.add(bob)
    with django_capture_on_commit_callbacks(execute=True):
        batch = upload(files.excel_csv_utf8([R(), R(email="bad")]))
    run_tasks()
    [message] = mailoutbox
    assert message.to == ["bob@example.com"]
    assert f"Batch {batch.pk} completed: 1 imported, 1 failed" in message.subject
    assert f"/batches/{batch.pk}/report.csv" in message.body
    assert "Failed:            1" in message.body


def test_no_notification_for_a_dry_run_or_when_the_alert_is_off(
    upload, org_a, bob, mailoutbox, run_tasks, django_capture_on_commit_callbacks
):
    org_a.report_recipients.add(bob)
    with django_capture_on_commit_callbacks(execute=True):
        upload(files.excel_csv_utf8([R()]), dry_run=True)
    org_a.alert_batch_finished = False
    org_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        upload(files.excel_csv_utf8([R()]))
    run_tasks()
    assert mailoutbox == []


def test_a_killed_worker_leaves_the_batch_running_and_it_can_be_resumed_once_stalled(
    alice, org_a, group_a, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from portal.batches.models import Batch
    from portal.lib.errors import Conflict

    settings.BATCH_CHUNK_ROWS = 2
    batch = services.batch_create(
        actor=alice,
        organization=org_a,
        permission_group=group_a,
        filename="a.csv",
        data=files.excel_csv_utf8([R(email=f"u{i}@example.com") for i in range(3)]),
        enqueue=False,
    )
    # The worker took the batch, committed nothing, and was killed (no exception handler ran).
    Batch.objects.filter(pk=batch.pk).update(status="running", heartbeat_at=timezone.now())
    with pytest.raises(Conflict, match="still making progress"):
        services.batch_resume(actor=alice, batch=batch, enqueue=False)
    Batch.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=6))
    batch.refresh_from_db()
    assert batch.stalled
    services.batch_resume(actor=alice, batch=batch, enqueue=False)
    batch = services.batch_run(batch_id=batch.pk)
    assert (batch.status, batch.succeeded) == ("completed", 3)


def test_import_and_invite_counts_the_numbers_left_for_activation_across_chunks(
    upload, org_a, settings
):
    from portal.conftest import add_numbers

    settings.BATCH_CHUNK_ROWS = 2
    numbers = ["+12125550100", "+12125550101", "+12125550102"]
    add_numbers(org_a, numbers)
    # Three numbers: two users pick theirs at activation, one row takes one now; nothing is left.
    batch = upload(
        files.excel_csv_utf8(
            [
                R(email="a@example.com"),
                R(email="b@example.com"),
                R(email="c@example.com", multiline_number=numbers[0]),
                R(email="d@example.com"),
                R(email="e@example.com"),
            ]
        ),
        invite=True,
    )
    verdicts = results(batch)
    assert [verdicts[r].invitation for r in (2, 3, 4)] == ["queued"] * 3
    assert all("no available number" in verdicts[r].invitation for r in (5, 6))
    assert (batch.succeeded, batch.invited) == (5, 3)
    # The audit log has one event per imported account, saying whether its invitation was queued.
    events = {
        e.data["row"]: e.data
        for e in AuditEvent.objects.filter(action="account.create", batch_id=batch.pk)
    }
    assert events[2]["invitation"] == "queued" and events[2]["channel"] == "email"
    assert events[2]["invitation_id"] == Invitation.objects.get(account__email="a@example.com").pk
    assert "no available number" in events[5]["invitation"]


def test_numbers_taken_by_another_admin_between_chunks_are_counted(
    transactional_db, alice, group_a, settings
):
    import threading

    from django.db import connection as main_connection

    from portal.conftest import add_numbers

    settings.BATCH_CHUNK_ROWS = 2
    org_a = group_a.organization
    numbers = ["+12125550100", "+12125550101", "+12125550102"]
    add_numbers(org_a, numbers)
    batch = services.batch_create(
        actor=alice,
        organization=org_a,
        permission_group=group_a,
        filename="a.csv",
        data=files.excel_csv_utf8([R(email=f"u{i}@example.com") for i in range(5)]),
        invite=True,
        enqueue=False,
    )

    def another_admin():  # Its own database connection, as another request or worker has.
        from django.db import connection

        Number.objects.filter(e164=numbers[2]).update(status="assigned")
        connection.close()

    def progress(running):
        if running.processed == 2:  # After the first chunk: two invited, one number left to pick…
            assert not main_connection.in_atomic_block
            thread = threading.Thread(target=another_admin)
            thread.start()
            thread.join()

    batch = services.batch_run(batch_id=batch.pk, progress=progress)
    verdicts = results(batch)
    assert [verdicts[r].invitation for r in (2, 3)] == ["queued"] * 2
    # …which the other admin took meanwhile: nobody else can be invited without a number.
    assert all("no available number" in verdicts[r].invitation for r in (4, 5, 6))
    assert batch.invited == 2
