"""Two admins assigning the same number at the same moment: the database picks exactly one winner."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.lib.errors import DomainError
from portal.numbers.models import Number


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_assignments_of_one_number_give_one_winner(postgres_only, alice, org_a, numbers_a):
    number = numbers_a[3]
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def add(email: str) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[email] = account_add(actor=alice, organization=org_a,
                                          data={"email": email, "multiline_number": number})
        except DomainError as error:
            outcomes[email] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(f"racer{i}@example.com",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [o for o in outcomes.values() if isinstance(o, Account)]
    losers = [o for o in outcomes.values() if isinstance(o, DomainError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    # The loser is told which number and why, whichever check caught it (the rules or the UPDATE).
    assert number in losers[0].message and "it is assigned" in losers[0].message
    assert list(losers[0].fields) == ["multiline_number"]
    assert Account.objects.filter(number__e164=number).get().email == winners[0].email
    assert Account.objects.count() == 1
    assert Number.objects.get(e164=number).status == "assigned"
