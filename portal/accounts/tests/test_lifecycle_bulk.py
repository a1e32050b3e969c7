"""Edit, suspend, reactivate and delete: one account, a selection, everything matching a filter."""

import time

import pytest

from portal.accounts import listing
from portal.accounts.lifecycle import (
    MOVE_REFUSED,
    account_edit,
    accounts_delete,
    accounts_edit,
    accounts_reactivate,
    accounts_suspend,
    bulk_run,
)
from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.audit.models import AuditEvent
from portal.invitations.models import Invitation
from portal.jobs.models import BulkJob
from portal.lib.errors import Conflict, DomainError, Forbidden
from portal.numbers.models import Number, NumberStatus
from portal.permissions.services import permission_group_create


def test_suspending_releases_the_number_and_revokes_the_invitation(
    alice, org_a, numbers_a, django_capture_on_commit_callbacks
):
    account = account_add(
        actor=alice,
        organization=org_a,
        data={"email": "s@example.com", "multiline_number": numbers_a[0]},
        invite=True,
    )
    [result] = accounts_suspend(actor=alice, accounts=[account.pk])
    assert (result.result, result.reason) == ("done", f"Number {numbers_a[0]} released.")
    account.refresh_from_db()
    assert account.status == AccountStatus.SUSPENDED and account.number is None
    assert Number.objects.get(e164=numbers_a[0]).status == NumberStatus.AVAILABLE
    assert account.invitations.get().state == "revoked"
    [again] = accounts_suspend(actor=alice, accounts=[account.pk])
    assert (again.result, again.reason) == ("skipped", "It is suspended already.")


def test_reactivating_an_activated_account_gives_it_an_available_number(alice, org_a, numbers_a):
    account = account_add(actor=alice, organization=org_a, data={"email": "r@example.com"})
    Account.objects.filter(pk=account.pk).update(
        status=AccountStatus.SUSPENDED, activated_at="2026-01-01T00:00Z"
    )
    never = account_add(actor=alice, organization=org_a, data={"email": "never@example.com"})
    Account.objects.filter(pk=never.pk).update(status=AccountStatus.SUSPENDED)
    active = account_add(actor=alice, organization=org_a, data={"email": "act@example.com"})
    results = accounts_reactivate(actor=alice, accounts=[account.pk, never.pk, active.pk])
    assert [r.result for r in results] == ["done", "done", "skipped"]
    account.refresh_from_db()
    assert (
        account.status == AccountStatus.ACTIVE and account.number.status == NumberStatus.REGISTERED
    )
    assert Account.objects.get(pk=never.pk).status == AccountStatus.NOT_INVITED
    assert results[2].reason == "It is not suspended (it is not invited)."


def test_reactivating_without_a_free_number_is_skipped_with_the_reason(alice, org_a):
    account = account_add(actor=alice, organization=org_a, data={"email": "r@example.com"})
    Account.objects.filter(pk=account.pk).update(
        status=AccountStatus.SUSPENDED, activated_at="2026-01-01T00:00Z"
    )
    [result] = accounts_reactivate(actor=alice, accounts=[account.pk])
    assert result.result == "skipped" and "no available number" in result.reason
    assert Account.objects.get(pk=account.pk).status == AccountStatus.SUSPENDED


def test_a_deleted_accounts_email_and_number_can_be_used_again(alice, org_a, numbers_a):
    account = account_add(
        actor=alice,
        organization=org_a,
        data={"email": "d@example.com", "multiline_number": numbers_a[0]},
        invite=True,
    )
    [result] = accounts_delete(actor=alice, accounts=[account.pk])
    assert result.result == "done"
    assert not Account.objects.filter(pk=account.pk).exists()
    assert not Invitation.objects.filter(account_id=account.pk).exists()
    event = AuditEvent.objects.get(action="account.delete")
    assert (event.data["email"], event.data["number"]) == ("d@example.com", numbers_a[0])
    again = account_add(
        actor=alice,
        organization=org_a,
        data={"email": "d@example.com", "multiline_number": numbers_a[0]},
        invite=True,
    )
    assert again.number.e164 == numbers_a[0]


def test_a_deleted_device_number_can_be_invited_again(alice, org_a, numbers_a):
    account = account_add(actor=alice, organization=org_a, data={"email": "+12125550199"})
    accounts_delete(actor=alice, accounts=[account.pk])
    assert (
        account_add(
            actor=alice, organization=org_a, data={"email": "+1 212 555 0199"}
        ).device_number
        == "+12125550199"
    )


def test_editing_follows_the_rules_of_adding(alice, org_a, numbers_a):
    account_add(actor=alice, organization=org_a, data={"email": "taken@example.com"})
    account = account_add(
        actor=alice,
        organization=org_a,
        data={"email": "e@example.com", "multiline_number": numbers_a[0]},
    )
    with pytest.raises(DomainError) as refused:
        account_edit(actor=alice, account=account, data={"email": "TAKEN@example.com"})
    assert refused.value.fields["email"] == [
        "TAKEN@example.com is already used by an account in Org A"
    ]
    with pytest.raises(DomainError) as refused:
        account_edit(actor=alice, account=account, data={"forwarding_number": "12"})
    assert "forwarding_number" in refused.value.fields
    edited = account_edit(
        actor=alice,
        account=account,
        data={"first_name": "Eve", "email": "e@example.com", "multiline_number": numbers_a[0]},
    )
    assert edited.first_name == "Eve" and edited.number.e164 == numbers_a[0]
    edited = account_edit(actor=alice, account=edited, data={"multiline_number": numbers_a[1]})
    assert edited.number.e164 == numbers_a[1]
    assert Number.objects.get(e164=numbers_a[0]).status == NumberStatus.AVAILABLE
    assert Number.objects.get(e164=numbers_a[1]).status == NumberStatus.ASSIGNED
    assert (
        AuditEvent.objects.filter(action="account.update", target_id=str(account.pk)).count() == 2
    )


def test_bulk_edit_reports_the_accounts_it_skips(alice, org_a, org_a_child):
    permission_group_create(actor=alice, organization=org_a, name="Sales")
    a = account_add(actor=alice, organization=org_a, data={"email": "a@example.com"})
    b = account_add(actor=alice, organization=org_a_child, data={"email": "b@example.com"})
    results = accounts_edit(
        actor=alice,
        accounts=[a.pk, b.pk],
        changes={"permission_group": "Sales", "language": "German"},
    )
    assert [r.result for r in results] == ["done", "skipped"]
    assert "no permission group named “Sales”" in results[1].reason
    a.refresh_from_db()
    assert (a.permission_group.name, a.language) == ("Sales", "de")
    with pytest.raises(DomainError):
        accounts_edit(actor=alice, accounts=[a.pk], changes={"email": "x@example.com"})


def test_bulk_needs_the_bulk_operations_privilege(org_a, full_role, django_user_model):
    from portal.access.models import Privilege
    from portal.access.services import admin_create, role_save

    role = role_save(
        actor=None, name="No bulk", privileges=[p for p in Privilege.values if p != "accounts_bulk"]
    )
    dave = admin_create(
        actor=None,
        username="dave",
        email="dave@example.com",
        password="Correct-horse-9",
        role=role,
        organizations=[org_a],
    )
    a = account_add(actor=dave, organization=org_a, data={"email": "a@example.com"})
    b = account_add(actor=dave, organization=org_a, data={"email": "b@example.com"})
    outcome = bulk_run(actor=dave, action="suspend", accounts=Account.objects.filter(pk=a.pk))
    assert outcome.done == 1
    with pytest.raises(Forbidden):
        bulk_run(actor=dave, action="suspend", accounts=Account.objects.filter(pk__in=[a.pk, b.pk]))
    with pytest.raises(Forbidden):
        bulk_run(
            actor=dave, action="suspend", accounts=Account.objects.filter(pk=b.pk), by_filter=True
        )


def make_accounts(organization, group, n, *, status=AccountStatus.NOT_INVITED):
    Account.objects.bulk_create(
        [
            Account(
                organization=organization,
                permission_group=group,
                first_name="Bulk",
                last_name=str(i),
                email=f"bulk{i}@example.com",
                status=status,
            )
            for i in range(n)
        ],
        batch_size=1000,
    )


def test_it_suspends_5000_accounts_matching_a_filter_as_a_job(
    alice, org_a, group_a, run_tasks, django_capture_on_commit_callbacks
):
    make_accounts(org_a, group_a, 5000)
    account_add(
        actor=alice, organization=org_a, data={"email": "other@example.com", "first_name": "Keep"}
    )
    started = time.monotonic()
    queryset = listing.filtered(alice, listing.Filters(q="Bulk", organization=org_a))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = bulk_run(actor=alice, action="suspend", accounts=queryset, by_filter=True)
    job = outcome.job
    assert job is not None and job.total == 5000
    run_tasks()
    job.refresh_from_db()
    elapsed = time.monotonic() - started
    assert (job.status, job.processed, job.done, job.skipped) == ("completed", 5000, 5000, 0)
    assert len(job.results) == 5000
    assert Account.objects.filter(status=AccountStatus.SUSPENDED).count() == 5000
    assert Account.objects.get(email="other@example.com").status == AccountStatus.NOT_INVITED
    assert AuditEvent.objects.filter(action="account.suspend").count() == 5000
    assert elapsed < 10, f"5,000 suspensions took {elapsed:.1f} s"
    print(f"\n5,000 accounts suspended by filter in {elapsed:.2f} s")


def test_it_moves_5000_pending_accounts_by_filter_when_the_destination_has_the_numbers(
    operator, org_a, org_b, group_a, run_tasks, django_capture_on_commit_callbacks
):
    make_accounts(org_a, group_a, 5000, status=AccountStatus.INVITED)
    Number.objects.bulk_create(
        [Number(e164=f"+4930{i:08d}", organization=org_b) for i in range(4999)]
    )
    started = time.monotonic()
    queryset = listing.filtered(operator, listing.Filters(status="invited", organization=org_a))
    with pytest.raises(Conflict) as refused:  # one short: refused before any job is queued
        bulk_run(
            actor=operator,
            action="move",
            accounts=queryset,
            by_filter=True,
            params={"organization": org_b},
        )
    assert refused.value.message == MOVE_REFUSED
    assert not BulkJob.objects.exists()
    Number.objects.create(e164="+493099999999", organization=org_b)  # exactly enough
    with django_capture_on_commit_callbacks(execute=True):
        outcome = bulk_run(
            actor=operator,
            action="move",
            accounts=queryset,
            by_filter=True,
            params={"organization": org_b},
        )
    run_tasks()
    job = BulkJob.objects.get(pk=outcome.job.pk)
    elapsed = time.monotonic() - started
    assert (job.status, job.processed, job.done) == ("completed", 5000, 5000)
    assert Account.objects.filter(organization=org_b).count() == 5000
    assert AuditEvent.objects.filter(action="account.move").count() == 5000
    assert elapsed < 10, f"moving 5,000 accounts took {elapsed:.1f} s"
    print(f"\n5,000 accounts moved by filter in {elapsed:.2f} s")


def test_it_deletes_5000_accounts_by_filter_and_frees_their_numbers(
    alice, org_a, group_a, run_tasks, django_capture_on_commit_callbacks
):
    numbers = Number.objects.bulk_create(
        [Number(e164=f"+1646{i:07d}", organization=org_a, status="assigned") for i in range(5000)]
    )
    Account.objects.bulk_create(
        [
            Account(
                organization=org_a, permission_group=group_a, email=f"del{i}@example.com", number=n
            )
            for i, n in enumerate(numbers)
        ],
        batch_size=1000,
    )
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = bulk_run(
            actor=alice,
            action="delete",
            by_filter=True,
            accounts=listing.filtered(alice, listing.Filters(q="del")),
        )
    run_tasks()
    elapsed = time.monotonic() - started
    job = BulkJob.objects.get(pk=outcome.job.pk)
    assert (job.status, job.done) == ("completed", 5000)
    assert Account.objects.count() == 0
    assert Number.objects.filter(status="available").count() == 5000
    assert elapsed < 10, f"deleting 5,000 accounts took {elapsed:.1f} s"
    print(f"\n5,000 accounts deleted by filter in {elapsed:.2f} s")


def test_a_bulk_job_run_while_german_is_active_stores_english_reasons(alice, org_a, group_a):
    """A stored job's results never take the language a previous request left in the thread."""
    from django.utils import translation

    from portal.accounts.lifecycle import bulk_job_run

    make_accounts(org_a, group_a, 2, status=AccountStatus.SUSPENDED)
    ids = list(Account.objects.values_list("pk", flat=True))
    job = BulkJob.objects.create(
        action="suspend", created_by=alice, account_ids=ids, params={}, total=len(ids)
    )
    translation.activate("de")
    bulk_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "completed"
    assert [r["reason"] for r in job.results] == ["It is suspended already."] * 2
    # The same action run at once, in the request, answers in the admin's language.
    (skipped, _other) = accounts_suspend(actor=alice, accounts=Account.objects.filter(pk__in=ids))
    assert skipped.reason == "Es ist bereits gesperrt."
