"""An end user activates only with a number of the short list offered to them (or their own),
and that list stays the same for the invitation."""

from __future__ import annotations

import re

import pytest

from portal.accounts.services import account_add
from portal.conftest import add_numbers
from portal.invitations.tests.helpers import sent_invitation

POOL = [f"+4479111234{i:02d}" for i in range(40)]  # +44 7911 1234 00 … 39


@pytest.fixture
def big_pool(org_a):
    org_a.activation_choices = 3
    org_a.save()
    add_numbers(org_a, POOL)
    return POOL


@pytest.fixture
def invite(alice, org_a, mailoutbox):
    def make(email, **data):
        account = account_add(
            actor=alice, organization=org_a, data={"email": email, **data}, invite=True
        )
        return sent_invitation(account)

    return make


def offered_on_page(client, token) -> list[str]:
    return re.findall(
        r'name="number" value="([^"]+)"', client.get(f"/activate/{token}/").content.decode()
    )


def offered_by_api(client, token) -> list[str]:
    return client.get(f"/api/v1/activation/{token}").json()["choices"]


def test_the_list_is_the_same_at_every_visit_by_page_and_api(invite, client, big_pool):
    _invitation, token, _code = invite("ann@example.com")
    first = offered_on_page(client, token)
    assert len(first) == 3 and set(first) <= set(big_pool)
    assert offered_on_page(client, token) == first
    assert offered_by_api(client, token) == first


def test_a_number_taken_by_someone_else_leaves_the_list_and_only_it_is_replaced(
    invite, client, big_pool
):
    _i, ann, _c = invite("ann@example.com")
    _j, bea, _d = invite("bea@example.com")
    ann_list = offered_on_page(client, ann)
    bea_list = offered_by_api(client, bea)
    # bea takes one of hers; if it was also on ann's list, ann's list keeps the other two.
    taken = next((n for n in bea_list if n in ann_list), bea_list[0])
    assert (
        client.post(
            f"/api/v1/activation/{bea}", {"number": taken}, content_type="application/json"
        ).status_code
        == 200
    )
    again = offered_on_page(client, ann)
    assert taken not in again and len(again) == 3
    assert set(ann_list) - {taken} <= set(again)


def test_the_api_refuses_a_number_that_was_not_offered(invite, client, big_pool):
    invitation, token, _code = invite("ann@example.com")
    offered = offered_by_api(client, token)
    other = next(n for n in big_pool if n not in offered)
    refused = client.post(
        f"/api/v1/activation/{token}", {"number": other}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "error": f"{other} is not one of the numbers offered to you. Pick one of the list.",
        "fields": {"number": ["not offered"]},
        "code": "invalid",
    }
    account = invitation.account
    account.refresh_from_db()
    assert account.status == "invited" and account.number is None
    done = client.post(
        f"/api/v1/activation/{token}", {"number": offered[1]}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["number"] == offered[1]


def test_an_app_posting_at_once_can_only_take_a_number_of_its_list(invite, client, big_pool):
    _invitation, _token, code = invite("ann@example.com")
    body = {"contact": "ann@example.com", "code": code}

    def activate(number):
        return client.post(
            "/api/v1/activation/by-code/activate",
            {**body, "number": number},
            content_type="application/json",
        )

    # The list is drawn from the first available numbers: the last of the pool is never on it.
    refused = activate(big_pool[-1])
    assert refused.status_code == 400 and refused.json()["fields"] == {"number": ["not offered"]}
    offered = client.post(
        "/api/v1/activation/by-code", body, content_type="application/json"
    ).json()["choices"]
    assert len(offered) == 3 and big_pool[-1] not in offered
    assert activate(offered[2]).status_code == 200


def test_the_page_refuses_a_number_that_was_not_offered(invite, client, big_pool):
    invitation, token, _code = invite("ann@example.com")
    offered = offered_on_page(client, token)
    other = next(n for n in big_pool if n not in offered)
    refused = client.post(f"/activate/{token}/", {"number": other, "activate": "1"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Please pick one of the numbers offered." in text
    assert re.findall(r'name="number" value="([^"]+)"', text) == offered  # the same list again
    invitation.account.refresh_from_db()
    assert invitation.account.status == "invited"


def test_with_an_assigned_number_no_other_can_be_asked_for(invite, client, big_pool):
    invitation, token, _code = invite("ann@example.com", multiline_number=big_pool[5])
    refused = client.post(
        f"/api/v1/activation/{token}", {"number": big_pool[6]}, content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["fields"] == {"number": ["not yours"]}
    assert big_pool[5] in refused.json()["error"]
    done = client.post(
        f"/api/v1/activation/{token}", {"number": big_pool[5]}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["number"] == big_pool[5]
