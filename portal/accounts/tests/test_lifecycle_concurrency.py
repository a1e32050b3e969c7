"""Two admins moving pending accounts into one organization at the same moment (PostgreSQL)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from portal.accounts import lifecycle
from portal.accounts.lifecycle import MOVE_REFUSED, accounts_move
from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.conftest import add_numbers
from portal.lib.errors import Conflict


@pytest.mark.django_db(transaction=True)
def test_two_admins_moving_into_one_organization_cannot_over_commit_its_numbers(
    postgres_only, operator, org_a, org_b, monkeypatch
):
    add_numbers(org_b, ["+493012300001", "+493012300002", "+493012300003"])  # room for 3
    first = [
        account_add(actor=None, organization=org_a, data={"email": f"x{i}@example.com"}).pk
        for i in range(2)
    ]
    second = [
        account_add(actor=None, organization=org_a, data={"email": f"y{i}@example.com"}).pk
        for i in range(2)
    ]
    Account.objects.filter(pk__in=first + second).update(status=AccountStatus.INVITED)

    capacity = lifecycle.onboarding_capacity

    def slow_capacity(organization):
        value = capacity(organization)
        time.sleep(0.5)  # Widen the gap between check and move: without the lock both would pass.
        return value

    monkeypatch.setattr(lifecycle, "onboarding_capacity", slow_capacity)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def move(ids):
        try:
            barrier.wait()
            accounts_move(actor=operator, accounts=ids, destination=org_b)
            outcomes.append("moved")
        except Conflict as refused:
            outcomes.append(refused.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(ids,)) for ids in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == sorted(["moved", MOVE_REFUSED])
    assert Account.objects.filter(organization=org_b).count() == 2
    assert lifecycle.onboarding_capacity(org_b) == 1
