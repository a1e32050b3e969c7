import pytest

from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.lib.errors import DomainError
from portal.numbers.models import Number


def test_it_adds_an_account_with_a_number(alice, org_a, numbers_a):
    account = account_add(
        actor=alice,
        organization=org_a,
        data={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "Ada@Example.com",
            "multiline_number": numbers_a[0],
        },
    )
    account.refresh_from_db()
    assert account.email == "Ada@example.com"
    assert account.number.e164 == numbers_a[0]
    assert Number.objects.get(e164=numbers_a[0]).status == "assigned"
    assert account.status == AccountStatus.NOT_INVITED


def test_it_refuses_a_duplicate_email_whatever_its_case(alice, org_a):
    account_add(actor=alice, organization=org_a, data={"email": "ada@example.com"})
    with pytest.raises(DomainError) as error:
        account_add(actor=alice, organization=org_a, data={"email": "ADA@example.com"})
    assert "already used" in error.value.message
    assert Account.objects.count() == 1


def test_it_refuses_a_number_of_another_organization(alice, org_a, org_b, numbers_b):
    with pytest.raises(DomainError) as error:
        account_add(
            actor=alice,
            organization=org_a,
            data={"email": "x@example.com", "multiline_number": numbers_b[0]},
        )
    assert error.value.fields["multiline_number"] == ["This number is not available."]  # org B's
    assert Number.objects.get(e164=numbers_b[0]).status == "available"


def test_smtp_data_offload_requires_an_email(charlie, org_b):
    with pytest.raises(DomainError) as error:
        account_add(actor=charlie, organization=org_b, data={"email": "+12125550199"})
    assert "SMTP data offload" in error.value.fields["email"][0]


def test_save_and_invite_queues_the_invitation_after_commit(
    alice, org_a, numbers_a, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        account = account_add(
            actor=alice, organization=org_a, data={"email": "z@example.com"}, invite=True
        )
    assert callbacks  # Queued only once the account is committed.
    run_tasks()
    account.refresh_from_db()
    assert account.status == "invited"
    assert account.invitations.get().state == "sent"
