"""No destructive default in the API: a bulk call acts on `ids`, or on an explicit `filter` with
`all_matching: true` — anything else is a 400 naming the field, and nothing is done."""

from __future__ import annotations

import pytest

from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.audit.models import AuditEvent
from portal.invitations.models import Invitation

ENDPOINTS = {
    "resend-invitation": {},
    "move": {"organization": "org-a-branch"},
    "suspend": {},
    "reactivate": {},
    "delete": {},
    "edit": {"changes": {"language": "Italian"}},
}

# The bodies that acted on every account in scope before (issue 8) → a field their 400 must name.
REPORTED = [
    ({"filter": "oops"}, "filter"),
    ({"filter": 0}, "filter"),
    ({"filter": True}, "filter"),
    ({"filter": [None, None]}, "filter"),
    ({"filter": {}}, "all_matching"),
    ({}, "ids"),
]
# More bodies that are neither ids nor an explicit filter with all_matching.
MORE = [
    ({"filter": {"organization": "org-a"}}, "all_matching"),
    ({"filter": {}, "all_matching": False}, "all_matching"),
    ({"filter": {}, "all_matching": "yes"}, "all_matching"),
    ({"filter": {}, "all_matching": 1}, "all_matching"),
    ({"filter": None, "all_matching": True}, "ids"),
    ({"all_matching": True}, "ids"),
    ({"ids": None}, "ids"),
    ({"ids": []}, "ids"),
    ({"ids": [None, None]}, "ids.0"),
    ({"ids": "all"}, "ids"),
    ({"ids": [True]}, "ids.0"),
    ({"filter": {"status": "nope"}, "all_matching": True}, "filter.status"),
    ({"filter": {"status": 5}, "all_matching": True}, "filter.status"),
    ({"filter": {"q": ["a"]}, "all_matching": True}, "filter.q"),
    ({"filter": {"colour": "red"}, "all_matching": True}, "filter.colour"),
    ({"filter": {"after": 3}, "all_matching": True}, "filter.after"),
    ({"everything": True}, "everything"),
    ({"organization_filter": "org-a", "status": "invited"}, "status"),
]


def snapshot():
    """What a user would see of the accounts: who, where, in which state, with which number."""
    return sorted(
        Account.objects.values_list("pk", "organization_id", "status", "language", "number_id")
    )


@pytest.fixture
def accounts_a(alice, org_a, org_a_child, numbers_a):
    ids = [
        account_add(actor=alice, organization=org_a, data={"email": f"keep{i}@example.com"}).pk
        for i in range(3)
    ]
    Account.objects.filter(pk=ids[2]).update(status=AccountStatus.SUSPENDED)
    return ids


def assert_refused(client, endpoint: str, body: dict, field: str) -> None:
    """A 400 in the documented shape naming `field`; the accounts, invitations and log untouched."""
    before, invitations, events = snapshot(), Invitation.objects.count(), AuditEvent.objects.count()
    response = client.post(
        f"/api/v1/accounts/{endpoint}",
        {**ENDPOINTS[endpoint], **body},
        content_type="application/json",
    )
    assert response.status_code == 400, (body, response.content)
    answer = response.json()
    assert set(answer) == {"error", "fields", "code"} and answer["error"], answer
    assert field in answer["fields"], (body, answer)
    assert snapshot() == before, body
    assert Invitation.objects.count() == invitations, body
    assert AuditEvent.objects.count() == events, body


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("body", "field"), REPORTED, ids=[str(b) for b, _f in REPORTED])
def test_it_refuses_the_bodies_that_acted_on_everything(
    api, alice, accounts_a, endpoint, body, field
):
    assert_refused(api(alice), endpoint, body, field)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_it_refuses_every_other_selection_that_is_not_ids_or_an_explicit_filter(
    api, alice, accounts_a, endpoint
):
    client = api(alice)
    for body, field in MORE:
        assert_refused(client, endpoint, body, field)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_ids_outside_the_scope_are_404_and_nothing_is_done(api, charlie, accounts_a, endpoint):
    before = snapshot()
    response = api(charlie).post(
        f"/api/v1/accounts/{endpoint}",
        {**ENDPOINTS[endpoint], "ids": accounts_a},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert snapshot() == before


def test_an_organization_of_the_filter_outside_the_scope_is_404(api, charlie, accounts_a):
    before = snapshot()
    response = api(charlie).post(
        "/api/v1/accounts/delete",
        {"filter": {"organization": "org-a"}, "all_matching": True},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert snapshot() == before


def test_all_matching_with_an_empty_filter_is_every_account_in_scope_only(
    api, alice, charlie, accounts_a, org_b
):
    theirs = account_add(actor=charlie, organization=org_b, data={"email": "theirs@example.com"})
    response = api(alice).post(
        "/api/v1/accounts/suspend",
        {"filter": {}, "all_matching": True},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert {r["id"] for r in response.json()["results"]} == set(accounts_a)
    assert Account.objects.get(pk=theirs.pk).status == AccountStatus.NOT_INVITED


def test_all_matching_goes_with_a_filter_not_with_ids(api, alice, accounts_a):
    before = snapshot()
    response = api(alice).post(
        "/api/v1/accounts/delete",
        {"ids": accounts_a[:1], "all_matching": True},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["fields"] == {
        "all_matching": ["only with filter"]
    }
    assert snapshot() == before


def test_the_list_and_the_bulk_filter_validate_the_same_fields(api, alice, accounts_a):
    client = api(alice)
    listed = client.get("/api/v1/accounts?status=nope")
    bulk = client.post(
        "/api/v1/accounts/suspend",
        {"filter": {"status": "nope"}, "all_matching": True},
        content_type="application/json",
    )
    assert listed.status_code == bulk.status_code == 400
    assert listed.json()["fields"]["status"] == bulk.json()["fields"]["filter.status"]
    matching = client.post(
        "/api/v1/accounts/edit",
        {
            "filter": {"status": "suspended", "q": "keep"},
            "all_matching": True,
            "changes": {"language": "French"},
        },
        content_type="application/json",
    )
    listed = client.get("/api/v1/accounts?status=suspended&q=keep").json()["items"]
    assert (
        [r["id"] for r in matching.json()["results"]]
        == [a["id"] for a in listed]
        == [accounts_a[2]]
    )


def test_the_openapi_documents_the_selection(client, alice):
    schema = client.get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/accounts/delete"]["post"]["requestBody"]["content"][
        "application/json"
    ]
    ref = body["schema"]["$ref"].rsplit("/", 1)[1]
    selection = schema["components"]["schemas"][ref]
    assert {"ids", "filter", "all_matching"} <= set(selection["properties"])
    assert selection.get("additionalProperties") is False
