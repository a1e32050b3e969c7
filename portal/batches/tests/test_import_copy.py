"""A large Import & Invite reports the same rows on both databases; on PostgreSQL its rows are
written with COPY (portal.lib.bulkinsert)."""

import csv
import io

import psycopg
import pytest
from django.db import connection

from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.audit.models import AuditEvent
from portal.batches import services
from portal.batches.tests import files
from portal.conftest import add_numbers
from portal.invitations.models import Invitation

ROWS = 2100
NUMBERS = [f"+1212{200 + i // 10000}{i % 10000:04d}" for i in range(ROWS)]


def people() -> tuple[list[dict], list[tuple[str, str]]]:
    """The file's rows, and per row the (result, a piece of its reason) the report must say."""
    rows, expected = [], []
    for i in range(ROWS):
        if i % 10 == 3:
            rows.append(files.row(email=f"person{i}"))
            expected.append(("failed", "email"))
        elif i in (7, 8):
            rows.append(files.row(email=f"known{i}@example.com"))
            expected.append(("exists", "already has an account in Org A"))
        elif i == ROWS - 1:
            rows.append(files.row(email="person5@example.com"))
            expected.append(("failed", "is also in row 7 of this upload"))
        else:
            rows.append(
                files.row(
                    email=f"person{i}@example.com",
                    firstname=f"Person {i}",
                    multiline_number=NUMBERS[i] if i % 2 == 0 else "",
                )
            )
            expected.append(("imported", ""))
    return rows, expected


def test_a_large_import_and_invite_reports_every_row_the_same_on_both_databases(
    upload, alice, org_a, settings, monkeypatch
):
    settings.BATCH_MAX_ROWS = ROWS
    add_numbers(org_a, NUMBERS)
    for i in (7, 8):
        account_add(actor=alice, organization=org_a, data={"email": f"known{i}@example.com"})
    copies = []
    if connection.vendor == "postgresql":
        copy = psycopg.Cursor.copy

        def watched(self, statement, *args, **kwargs):
            copies.append(str(statement))
            return copy(self, statement, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, "copy", watched)
    rows, expected = people()

    batch = upload(files.excel_csv_utf8(rows), invite=True)

    text = "".join(services.report_csv_lines(batch)).lstrip("\ufeff")
    report = list(csv.DictReader(io.StringIO(text)))
    assert [r["row"] for r in report] == [str(n) for n in range(2, ROWS + 2)]
    assert [r["result"] for r in report] == [result for result, _reason in expected]
    for r, (_result, reason) in zip(report, expected, strict=True):
        assert reason in r["reason"]
        if r["result"] == "imported":
            assert r["invitation"] == "queued" and r["account_id"]
    imported = sum(result == "imported" for result, _reason in expected)
    assert (batch.status, batch.succeeded, batch.existing, batch.invited) == (
        "completed",
        imported,
        2,
        imported,
    )
    assert Account.objects.filter(batch=batch).count() == imported
    assert Invitation.objects.filter(account__batch=batch, state="queued").count() == imported
    assert AuditEvent.objects.filter(batch_id=batch.pk, action="account.create").count() == imported
    numbered = {
        r["account_id"]: r["assigned_number"].lstrip("'") for r in report if r["assigned_number"]
    }
    assert dict(
        Account.objects.filter(batch=batch, number__isnull=False).values_list("pk", "number__e164")
    ) == {int(pk): number for pk, number in numbered.items()}
    # The ids the inserts gave back are the rows' own (SQLite: worked out from the last one): each
    # account's event names its invitation, which goes to that account's address.
    invitations = {
        account: (pk, recipient)
        for account, pk, recipient in Invitation.objects.filter(account__batch=batch).values_list(
            "account_id", "pk", "recipient"
        )
    }
    emails = dict(Account.objects.filter(batch=batch).values_list("pk", "email"))
    events = AuditEvent.objects.filter(batch_id=batch.pk, action="account.create")
    for target_id, data in events.values_list("target_id", "data"):
        pk, recipient = invitations[int(target_id)]
        assert (data["invitation_id"], recipient) == (pk, emails[int(target_id)])
    if connection.vendor == "postgresql":
        tables = {statement.split()[1].strip('"') for statement in copies}
        assert {
            "accounts_account",
            "invitations_invitation",
            "audit_auditevent",
            "batches_batchrow",
        } <= tables, copies


def test_a_refused_row_undoes_every_row_of_its_insert_and_names_its_constraint(alice, org_a):
    """The tuple insert's rows are one write: the third of three invitations with the same token
    hash is refused with the constraint's name, and none of the three is left (on SQLite each row
    is its own statement, inside a savepoint of the call)."""
    from datetime import timedelta

    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from portal.invitations.services import INVITATION_COLUMNS
    from portal.lib.bulkinsert import insert_rows
    from portal.lib.dberrors import violated

    accounts = [
        account_add(actor=alice, organization=org_a, data={"email": f"twin{i}@example.com"})
        for i in range(3)
    ]
    expires = timezone.now() + timedelta(days=7)
    rows = [
        (a.pk, "email", a.email, "f" * 64 if i else "e" * 64, expires)
        for i, a in enumerate(accounts)
    ]
    refused = None
    if connection.vendor == "sqlite":  # The transaction goes on, without any of the call's rows.
        with transaction.atomic():
            try:
                insert_rows(Invitation, INVITATION_COLUMNS, rows, returning=True)
            except IntegrityError as error:
                refused = error
            assert not Invitation.objects.filter(account__in=accounts).exists()
    else:  # PostgreSQL: the COPY fails whole; the caller's savepoint is rolled back.
        try:
            with transaction.atomic():
                insert_rows(Invitation, INVITATION_COLUMNS, rows, returning=True)
        except IntegrityError as error:
            refused = error
    assert refused is not None, "a duplicate token hash was written"
    assert violated(refused, Invitation) == "invitations_invitation_token_hash_key"
    assert not Invitation.objects.filter(account__in=accounts).exists()
    # The same rows made unique are written, with their ids in the rows' order.
    rows = [(a.pk, "email", a.email, str(i) * 64, expires) for i, a in enumerate(accounts)]
    ids = insert_rows(Invitation, INVITATION_COLUMNS, rows, returning=True)
    assert [Invitation.objects.get(pk=pk).recipient for pk in ids] == [a.email for a in accounts]


def test_addresses_with_every_sign_a_local_part_allows_are_found_again(upload, org_a):
    """A chunk's addresses go to the database as one value (`lib.chunks.OneOf`: a quoted
    array on PostgreSQL, JSON on SQLite): addresses with braces, quotes, slashes and the like are
    looked up as they are, so the same file uploaded again reports each row as existing."""
    emails = [
        "o'neil@example.com",
        "{braces}@example.com",
        "a|b=c@example.com",
        "slash/ed@example.com",
        "hash#tag@example.com",
        "q?uery^~@example.com",
        "NULL@example.com",
    ]
    data = files.excel_csv_utf8([files.row(email=email) for email in emails])

    first = upload(data)
    again = upload(data)

    assert (first.status, first.succeeded, first.failed) == ("completed", len(emails), 0)
    report = list(csv.DictReader(io.StringIO("".join(services.report_csv_lines(again))[1:])))
    assert [r["result"] for r in report] == ["exists"] * len(emails)
    assert [r["reason"].split(" already")[0] for r in report] == [e.lower() for e in emails]
    assert Account.objects.filter(email__in=emails).count() == len(emails)


def test_a_chunk_never_takes_a_number_of_another_organization_or_one_not_free(
    org_a, numbers_a, numbers_b
):
    """The numbers a chunk takes are looked up by e164 alone (`bulk._take_numbers`), their
    organization and status checked after: a number that is another organization's, or already
    assigned, by the time the chunk writes loses the race — nothing is taken, nothing changes."""
    from django.db import transaction

    from portal.accounts import bulk
    from portal.numbers.models import Number

    Number.objects.filter(e164=numbers_a[1]).update(status="assigned")
    for wanted in ([numbers_a[0], numbers_b[0]], [numbers_a[0], numbers_a[1]]):
        with pytest.raises(bulk._RaceLost) as lost, transaction.atomic():
            bulk._take_numbers(org_a, wanted)
        assert lost.value.error.code == "number_taken"
    statuses = dict(Number.objects.values_list("e164", "status"))
    assert statuses[numbers_a[0]] == "available" and statuses[numbers_b[0]] == "available"
    assert Number.objects.get(e164=numbers_b[0]).organization.slug != org_a.slug
    taken, available = bulk._take_numbers(org_a, [numbers_a[0], numbers_a[2]])
    assert set(taken) == {numbers_a[0], numbers_a[2]} and available == 2
