"""Two admins assigning the same number at the same moment:
the database picks exactly one winner."""

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
def test_two_concurrent_assignments_of_one_number_give_one_winner(
    postgres_only, alice, org_a, numbers_a
):
    number = numbers_a[3]
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def add(email: str) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[email] = account_add(
                actor=alice, organization=org_a, data={"email": email, "multiline_number": number}
            )
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


@pytest.mark.django_db(transaction=True)
def test_ten_adds_of_one_person_at_once_give_one_account_and_clean_refusals(
    postgres_only, api, alice, org_a, numbers_a
):
    """The same email and number, Save & Invite, ten times at once through the API: one 201, the
    others a 4xx in the documented shape, never a 500."""
    clients = [api(alice) for _ in range(10)]
    body = {
        "organization": "org-a",
        "email": "same@example.com",
        "multiline_number": numbers_a[0],
        "invite": True,
    }
    barrier = threading.Barrier(10)
    answers: list = [None] * 10

    def add(i: int) -> None:
        try:
            barrier.wait(timeout=20)
            answers[i] = clients[i].post("/api/v1/accounts", body, content_type="application/json")
        except Exception as error:  # noqa: BLE001 - a crash is an answer the test looks at
            answers[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    codes = sorted(a.status_code if hasattr(a, "status_code") else repr(a) for a in answers)
    print(f"10 adds at once: {codes}")
    assert codes.count(201) == 1 and all(code in (400, 409) for code in codes if code != 201), codes
    for answer in answers:
        if answer.status_code != 201:
            assert set(answer.json()) == {"error", "fields", "code"}
            assert set(answer.json()["fields"]) <= {"email", "multiline_number"}
    assert Account.objects.filter(email="same@example.com").count() == 1
    assert Number.objects.get(e164=numbers_a[0]).status == "assigned"
