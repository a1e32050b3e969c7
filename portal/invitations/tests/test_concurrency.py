"""Invitations under concurrency (PostgreSQL): ten resends of one account at once, fifty users
activating from short lists at once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.conftest import add_numbers
from portal.invitations import services
from portal.invitations.models import Invitation
from portal.invitations.tests.helpers import sent_invitation
from portal.numbers.models import Number


def _together(count: int, work) -> tuple[list, float]:
    """Run work(i) in `count` threads released at once; their answers, and the seconds it took."""
    barrier = threading.Barrier(count)
    answers: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=20)
            answers[i] = work(i)
        except Exception as error:  # noqa: BLE001 - a crash is an answer the test looks at
            answers[i] = error
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers, time.perf_counter() - started


@pytest.mark.django_db(transaction=True)
def test_ten_resends_at_once_leave_one_live_link_and_send_one_email(
    postgres_only, api, alice, org_a, numbers_a, smtp_server, run_tasks
):
    account = account_add(
        actor=alice, organization=org_a, data={"email": "ten@example.com"}, invite=True
    )
    run_tasks()
    assert len(smtp_server.wait_for(1)) == 1
    first = Invitation.objects.get(account=account)
    Invitation.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=1))
    smtp_server.messages.clear()
    clients = [api(alice) for _ in range(10)]

    answers, seconds = _together(
        10,
        lambda i: clients[i].post(
            "/api/v1/accounts/resend-invitation",
            {"ids": [account.pk]},
            content_type="application/json",
        ),
    )
    run_tasks()
    messages = smtp_server.wait_for(1, timeout=5)
    time.sleep(0.5)  # a second message, if any, would have arrived by now
    statuses = sorted(a.status_code if hasattr(a, "status_code") else repr(a) for a in answers)
    live = Invitation.objects.filter(account=account, state__in=services.LIVE)
    print(
        f"10 resends at once: {seconds:.2f} s, answers {statuses}, live {live.count()}, "
        f"invitations {Invitation.objects.filter(account=account).count()}, emails "
        f"{len(smtp_server.messages)}"
    )
    assert statuses == [200] * 10
    assert {a.json()["results"][0]["result"] for a in answers} == {"done"}
    assert live.count() == 1 and Invitation.objects.filter(account=account).count() == 2
    assert (
        len({a.json()["results"][0]["invitation"] for a in answers}) == 1
    )  # all name the same one
    assert len(messages) == 1 and str(messages[0]["To"]) == "ten@example.com"
    first.refresh_from_db()
    assert first.state == "revoked" and first.replaced_by_id == live.get().pk


@pytest.mark.django_db(transaction=True)
def test_fifty_activations_at_once_never_give_a_number_twice(
    postgres_only, alice, org_a, mailoutbox
):
    org_a.activation_choices = 3
    org_a.save()
    numbers = [f"+4479112{i:05d}" for i in range(50)]
    add_numbers(org_a, numbers)
    accounts = [
        account_add(
            actor=alice, organization=org_a, data={"email": f"a{i}@example.com"}, invite=True
        )
        for i in range(50)
    ]
    tokens = [sent_invitation(a)[1] for a in accounts]
    client = Client()
    picks = [client.get(f"/api/v1/activation/{t}").json()["choices"][0] for t in tokens]

    answers, seconds = _together(
        50,
        lambda i: Client().post(
            f"/api/v1/activation/{tokens[i]}", {"number": picks[i]}, content_type="application/json"
        ),
    )
    codes = [a.status_code if hasattr(a, "status_code") else repr(a) for a in answers]
    won = [i for i, code in enumerate(codes) if code == 200]
    lost = [i for i, code in enumerate(codes) if code == 409]
    print(
        f"50 activations at once from short lists of 3: {seconds:.2f} s, {len(won)} activated, "
        f"{len(lost)} told to pick another, {len(set(picks))} distinct numbers picked"
    )
    assert len(won) + len(lost) == 50  # nothing else: no 500, no crash
    assert len(won) == len(set(picks))  # one winner per number picked
    for i in lost:
        assert answers[i].json()["fields"] == {"number": ["just taken"]}
        assert "Please pick another number" in answers[i].json()["error"]
    registered = Number.objects.filter(organization=org_a, status="registered")
    assert registered.count() == len(won)
    assert Account.objects.filter(status="active").count() == len(won)
    assert len({a.number_id for a in Account.objects.filter(status="active")}) == len(won)
    # A loser's invitation still works: it picks a number still free and is activated.
    if lost:
        loser = lost[0]
        free = client.get(f"/api/v1/activation/{tokens[loser]}").json()["choices"]
        assert free and not set(free) & {picks[i] for i in won}
        again = client.post(
            f"/api/v1/activation/{tokens[loser]}",
            {"number": free[0]},
            content_type="application/json",
        )
        assert again.status_code == 200
