"""Moving accounts between organizations, with the onboarding capacity guard of the article."""

import pytest

from portal.accounts.lifecycle import MOVE_REFUSED, accounts_move, move_plans
from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.audit.models import AuditEvent
from portal.conftest import add_numbers
from portal.lib.errors import Conflict
from portal.numbers.models import Number, NumberStatus


def pending(org, n, *, status=AccountStatus.INVITED, prefix="p"):
    accounts = [
        account_add(actor=None, organization=org, data={"email": f"{prefix}{i}@example.com"})
        for i in range(n)
    ]
    Account.objects.filter(pk__in=[a.pk for a in accounts]).update(status=status)
    return Account.objects.filter(pk__in=[a.pk for a in accounts])


def test_it_moves_when_the_destination_has_exactly_enough_numbers(
    alice, org_a, org_b, numbers_b, group_b
):
    accounts = pending(org_a, 5)
    results = accounts_move(actor=alice, accounts=accounts, destination=org_b)
    assert [r.result for r in results] == ["done"] * 5
    moved = Account.objects.filter(pk__in=[r.id for r in results])
    assert {a.organization_id for a in moved} == {org_b.pk}
    assert {a.permission_group_id for a in moved} == {group_b.pk}


def test_it_moves_nothing_when_the_destination_is_one_number_short(alice, org_a, org_b, numbers_b):
    accounts = pending(org_a, 6)
    with pytest.raises(Conflict) as refused:
        accounts_move(actor=alice, accounts=accounts, destination=org_b)
    assert refused.value.message == MOVE_REFUSED
    assert refused.value.status == 409
    assert Account.objects.filter(organization=org_a).count() == 6
    assert AuditEvent.objects.filter(action="accounts.move_refused").exists()


def test_reserved_numbers_do_not_count_as_available(alice, org_a, org_b):
    add_numbers(org_b, ["+493012340001", "+493012340002"])
    add_numbers(
        org_b,
        ["+493012340003", "+493012340004", "+493012340005"],
        tags=["PORTED"],
        status="reserved",
    )
    with pytest.raises(Conflict):
        accounts_move(actor=alice, accounts=pending(org_a, 3), destination=org_b)
    results = accounts_move(
        actor=alice, accounts=Account.objects.filter(organization=org_a)[:2], destination=org_b
    )
    assert [r.result for r in results] == ["done", "done"]


def test_invited_accounts_waiting_in_the_destination_use_up_its_capacity(
    alice, org_a, org_b, numbers_b
):
    pending(org_b, 2, prefix="b")  # 5 available − 2 waiting = 3 left
    with pytest.raises(Conflict):
        accounts_move(actor=alice, accounts=pending(org_a, 4), destination=org_b)
    plans = move_plans(Account.objects.filter(organization=org_a), [org_b])
    assert (plans[0].need, plans[0].capacity, plans[0].enough) == (4, 3, False)


def test_a_pending_account_releases_its_number_and_needs_one_in_the_destination(
    alice, org_a, org_b, numbers_a
):
    account = account_add(
        actor=alice,
        organization=org_a,
        data={"email": "n@example.com", "multiline_number": numbers_a[0]},
    )
    with pytest.raises(Conflict):  # org B has no numbers at all
        accounts_move(actor=alice, accounts=[account.pk], destination=org_b)
    assert Number.objects.get(e164=numbers_a[0]).status == NumberStatus.ASSIGNED
    add_numbers(org_b, ["+493099990000"])
    accounts_move(actor=alice, accounts=[account.pk], destination=org_b)
    account.refresh_from_db()
    assert account.organization == org_b and account.number is None
    released = Number.objects.get(e164=numbers_a[0])
    assert (released.status, released.organization) == (NumberStatus.AVAILABLE, org_a)
    event = AuditEvent.objects.get(action="account.move")
    assert event.data["released_number"] == numbers_a[0]


def test_an_active_account_needs_no_capacity_and_keeps_its_number(alice, org_a, org_b, numbers_a):
    account = account_add(
        actor=alice,
        organization=org_a,
        data={
            "email": "act@example.com",
            "multiline_number": numbers_a[1],
            "social_messaging": "yes",
        },
    )
    Account.objects.filter(pk=account.pk).update(status=AccountStatus.ACTIVE)
    Number.objects.filter(e164=numbers_a[1]).update(status=NumberStatus.REGISTERED)
    accounts_move(actor=alice, accounts=[account.pk], destination=org_b)
    account.refresh_from_db()
    assert account.organization == org_b
    assert account.number.e164 == numbers_a[1] and account.number.organization == org_b
    assert account.social_messaging is False  # org B has no social messaging


def test_it_skips_accounts_already_in_the_destination(alice, org_a, org_b, numbers_b):
    a = pending(org_a, 1)
    b = pending(org_b, 1, prefix="b")
    results = accounts_move(actor=alice, accounts=[*a, *b], destination=org_b)
    assert [(r.result, r.reason) for r in results] == [
        ("done", ""),
        ("skipped", "It is in Org B already."),
    ]


NEEDS_EMAIL = (
    "Unable to move account(s). Org B uses SMTP data offload: an account needs an email "
    "address to move there, not only a device number."
)


def test_a_device_number_cannot_move_into_an_organization_with_smtp_data_offload(
    alice, org_a, org_b
):
    """The refusal gives the real reason, in the plans (the Move button) and in the move itself,
    even when the destination has no number left (it used to say "not enough numbers")."""
    account = account_add(actor=alice, organization=org_a, data={"email": "+12125550199"})
    Account.objects.filter(pk=account.pk).update(status=AccountStatus.INVITED)
    [plan] = move_plans(Account.objects.filter(pk=account.pk), [org_b])
    assert (plan.need, plan.blocked, plan.enough, plan.message) == (0, 1, False, NEEDS_EMAIL)
    with pytest.raises(Conflict) as refused:
        accounts_move(actor=alice, accounts=[account.pk], destination=org_b)
    assert refused.value.message == NEEDS_EMAIL and refused.value.status == 409


def test_in_a_mixed_selection_only_the_device_number_is_skipped(alice, org_a, org_b, numbers_b):
    device = account_add(actor=alice, organization=org_a, data={"email": "+12125550199"})
    email = account_add(actor=alice, organization=org_a, data={"email": "mixed@example.com"})
    [plan] = move_plans(Account.objects.filter(pk__in=[device.pk, email.pk]), [org_b])
    assert (plan.need, plan.moving, plan.blocked, plan.enough) == (1, 1, 1, True)
    results = accounts_move(actor=alice, accounts=[device.pk, email.pk], destination=org_b)
    assert [r.result for r in results] == ["skipped", "done"]
    assert "SMTP data offload" in results[0].reason
