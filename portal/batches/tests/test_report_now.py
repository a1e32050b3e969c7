"""The Batch Operations Report as an admin reads it later: one number column, each row's
invitation as it is now, and a re-upload after a move that says where the account went."""

from __future__ import annotations

import csv
import io

from portal.accounts.lifecycle import accounts_move
from portal.accounts.models import Account
from portal.batches import services
from portal.batches.tests import files
from portal.batches.tests.files import row as R
from portal.conftest import add_numbers
from portal.invitations.models import Invitation
from portal.invitations.services import deliver_invitations


def report(batch) -> tuple[list[str], list[dict]]:
    rows = list(csv.reader(io.StringIO("".join(services.report_csv_lines(batch)).lstrip("\ufeff"))))
    return rows[0], [dict(zip(rows[0], row)) for row in rows[1:]]


def test_the_report_has_one_column_per_name(upload, numbers_a):
    batch = upload(files.excel_csv_utf8([R(email="a@example.com", multiline_number=numbers_a[0])]))
    header, [row] = report(batch)
    assert len(header) == len(set(header)), header
    # A plain +number is no formula: written as it is, like the Accounts export writes it.
    assert row["multiline_number"] == row["assigned_number"] == numbers_a[0]


def test_the_invitation_column_shows_the_invitation_as_it_is_now(upload, numbers_a, mailoutbox):
    batch = upload(
        files.excel_csv_utf8([R(email="a@example.com"), R(email="b@example.com")]), invite=True
    )
    assert [r["invitation"] for r in report(batch)[1]] == ["queued", "queued"]
    sent, failing = Invitation.objects.filter(account__batch=batch).order_by("account__email")
    deliver_invitations(invitation_ids=[sent.pk])
    Invitation.objects.filter(pk=failing.pk).update(
        state="failed", last_error="550 mailbox unknown"
    )
    assert [r["invitation"] for r in report(batch)[1]] == ["sent", "failed: 550 mailbox unknown"]


def test_uploading_the_file_again_after_a_move_says_where_the_account_is(
    upload, operator, alice, org_a, org_a_child, org_b, numbers_a
):
    add_numbers(org_a_child, ["+447911123401"])
    add_numbers(org_b, ["+447911123402"])
    data = files.excel_csv_utf8(
        [R(email="moved@example.com"), R(email="gone@example.com"), R(email="stays@example.com")]
    )
    upload(data)
    accounts_move(
        actor=alice,
        accounts=[Account.objects.get(email="moved@example.com").pk],
        destination=org_a_child,
    )
    accounts_move(
        actor=operator,
        accounts=[Account.objects.get(email="gone@example.com").pk],
        destination=org_b,
    )
    again = upload(data, filename="accounts-fixed.csv")
    rows = {r["email"]: r for r in report(again)[1]}
    assert rows["moved@example.com"]["result"] == "exists"
    assert rows["moved@example.com"]["reason"] == (
        "moved@example.com already has an account in Org A Branch; nothing was moved or changed"
    )
    assert rows["stays@example.com"]["result"] == "exists"
    assert "left unchanged" in rows["stays@example.com"]["reason"]
    # Org B is outside alice's scope: only "not available", nothing about where.
    assert rows["gone@example.com"]["result"] == "failed"
    assert (
        "not available" in rows["gone@example.com"]["reason"]
        and "Org B" not in rows["gone@example.com"]["reason"]
    )
    assert Account.objects.get(email="moved@example.com").organization == org_a_child
    assert Account.objects.count() == 3
