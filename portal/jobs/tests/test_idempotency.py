"""`Idempotency-Key` on the API's bulk calls: the same key within 24 h answers the first answer
again and does nothing again; another body with the same key is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.accounts.lifecycle import accounts_reactivate
from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.conftest import add_numbers
from portal.invitations.models import Invitation
from portal.jobs.models import BulkJob, IdempotentRequest

BULK_OPERATIONS = ("resend-invitation", "move", "suspend", "reactivate", "delete", "edit")


def post(client, endpoint, body, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        f"/api/v1/accounts/{endpoint}", body, content_type="application/json", headers=headers
    )


@pytest.fixture
def two(alice, org_a, numbers_a):
    return [
        account_add(actor=alice, organization=org_a, data={"email": f"k{i}@example.com"}).pk
        for i in range(2)
    ]


def test_a_repeat_answers_the_first_answer_and_does_nothing_again(api, alice, two):
    client = api(alice)
    first = post(client, "suspend", {"ids": two, "reason": "Left"}, key="suspend-2026-12-01-a")
    assert first.status_code == 200 and first.json()["done"] == 2
    accounts_reactivate(actor=alice, accounts=two[:1])  # Someone undoes one suspension meanwhile.
    again = post(client, "suspend", {"ids": two, "reason": "Left"}, key="suspend-2026-12-01-a")
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again["Idempotent-Replayed"] == "true"
    assert Account.objects.get(pk=two[0]).status == AccountStatus.NOT_INVITED  # not suspended again
    without_key = post(client, "suspend", {"ids": two, "reason": "Left"})
    assert without_key.json()["done"] == 1  # Without the key it runs.


def test_a_repeated_resend_sends_no_second_invitation(api, alice, two):
    client = api(alice)
    first = post(client, "resend-invitation", {"ids": two}, key="resend-1")
    again = post(client, "resend-invitation", {"ids": two}, key="resend-1")
    assert first.status_code == again.status_code == 200 and first.content == again.content
    assert Invitation.objects.filter(account_id__in=two).count() == 2


def test_the_same_key_with_another_body_is_422_and_does_nothing(api, alice, two):
    client = api(alice)
    post(client, "suspend", {"ids": two[:1]}, key="k-1")
    other = post(client, "suspend", {"ids": two}, key="k-1")
    assert other.status_code == 422
    assert other.json() == {
        "error": "This Idempotency-Key was already used with another request body.",
        "fields": {"Idempotency-Key": ["already used with another request body"]},
        "code": "idempotency_key_reused",
    }
    assert Account.objects.get(pk=two[1]).status == AccountStatus.NOT_INVITED
    reordered = post(client, "suspend", {"reason": "", "ids": two[:1]}, key="k-1")
    assert reordered.status_code == 200 and reordered["Idempotent-Replayed"] == "true"


def test_keys_are_per_caller_and_per_endpoint(api, alice, operator, two):
    post(api(alice), "suspend", {"ids": two[:1]}, key="shared")
    assert post(api(alice), "reactivate", {"ids": two[:1]}, key="shared").json()["done"] == 1
    answer = post(api(operator), "suspend", {"ids": two[:1]}, key="shared")
    assert answer.json()["done"] == 1 and "Idempotent-Replayed" not in answer
    assert IdempotentRequest.objects.count() == 3


def test_a_key_older_than_24_hours_is_forgotten(api, alice, two):
    client = api(alice)
    post(client, "suspend", {"ids": two[:1]}, key="old")
    accounts_reactivate(actor=alice, accounts=two[:1])
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
    again = post(client, "suspend", {"ids": two[:1]}, key="old")
    assert again.json()["done"] == 1 and "Idempotent-Replayed" not in again
    assert IdempotentRequest.objects.count() == 1  # the old entry was purged


def test_a_refused_call_does_not_use_up_its_key(api, alice, org_a, org_b, two):
    from portal.accounts.lifecycle import MOVE_REFUSED

    client = api(alice)
    body = {"ids": two, "organization": "org-a-branch"}
    from portal.organizations.services import organization_create

    organization_create(
        actor=None,
        name="Org A Branch",
        slug="org-a-branch",
        parent=org_a,
        features=["voice_calling"],
    )
    refused = post(client, "move", body, key="move-1")
    assert refused.status_code == 409 and refused.json()["error"] == MOVE_REFUSED
    add_numbers(org_a.children.get(), ["+442079460001", "+442079460002"])
    moved = post(client, "move", body, key="move-1")
    assert moved.status_code == 200 and moved.json()["done"] == 2
    assert post(client, "move", body, key="move-1").content == moved.content


def test_a_repeat_of_a_big_call_answers_the_same_job(
    api, alice, org_a, group_a, django_capture_on_commit_callbacks
):
    Account.objects.bulk_create(
        [
            Account(organization=org_a, permission_group=group_a, email=f"j{i}@example.com")
            for i in range(201)
        ]
    )
    client = api(alice)
    body = {"filter": {"organization": "org-a"}, "all_matching": True}
    with django_capture_on_commit_callbacks(execute=False):
        first = post(client, "delete", body, key="big")
        again = post(client, "delete", body, key="big")
    assert first.status_code == again.status_code == 202 and first.content == again.content
    assert BulkJob.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve", "tab\there"])
def test_a_malformed_key_is_400(api, alice, two, key):
    answer = post(api(alice), "suspend", {"ids": two}, key=key)
    assert answer.status_code == 400 and "Idempotency-Key" in answer.json()["fields"]
    assert not Account.objects.filter(status=AccountStatus.SUSPENDED).exists()


def test_the_openapi_documents_the_header_on_every_bulk_call(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for operation in BULK_OPERATIONS:
        parameters = paths[f"/api/v1/accounts/{operation}"]["post"].get("parameters", [])
        [header] = [p for p in parameters if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and not header.get("required")
        assert "24 h" in header["description"]


def test_two_concurrent_repeats_run_the_action_once(
    transactional_db, postgres_only, alice, org_a, numbers_a
):
    import threading

    from django.db import connection
    from django.test import Client

    from portal.access.services import token_issue

    ids = [
        account_add(actor=alice, organization=org_a, data={"email": f"c{i}@example.com"}).pk
        for i in range(3)
    ]
    _token, raw = token_issue(actor=alice, user=alice)
    barrier, answers = threading.Barrier(2), []

    def send():
        client = Client(headers={"Authorization": f"Bearer {raw}"})
        barrier.wait()
        try:
            answers.append(post(client, "resend-invitation", {"ids": ids}, key="race"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(a.status_code for a in answers)
    assert statuses in ([200, 200], [200, 409]), [a.content for a in answers]
    if statuses == [200, 200]:
        assert answers[0].content == answers[1].content
    assert (
        Invitation.objects.filter(account_id__in=ids).count() == 3
    )  # one invitation each, not two
