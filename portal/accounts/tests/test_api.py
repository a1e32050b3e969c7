"""/api/v1/accounts: create, list, get — privilege and scope
as a matrix, the add rules, keyset pages."""

from __future__ import annotations

import json

import pytest

from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.accounts.tests.test_views import queued_tasks
from portal.conftest import add_numbers
from portal.numbers.models import Number

URL = "/api/v1/accounts"


@pytest.fixture
def ada(alice, org_a, numbers_a):
    return account_add(
        actor=alice,
        organization=org_a,
        data={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "multiline_number": numbers_a[0],
        },
    )


@pytest.fixture
def bert(charlie, org_b):
    return account_add(actor=charlie, organization=org_b, data={"email": "bert@example.com"})


def _post(client, body):
    return client.post(URL, json.dumps(body), content_type="application/json")


# ---------------------------------------------------------------- matrix


@pytest.mark.parametrize(
    "who,status,emails",
    [
        ("alice", 200, ["ada@example.com"]),
        ("bob", 403, None),
        ("charlie", 200, ["bert@example.com"]),
        ("operator", 200, ["bert@example.com", "ada@example.com"]),
    ],
)
def test_it_lists_only_the_accounts_in_scope(request, api, ada, bert, who, status, emails):
    response = api(request.getfixturevalue(who)).get(URL)
    assert response.status_code == status
    if emails is None:
        assert "Accounts privilege" in response.json()["error"]
    else:
        assert [a["email"] for a in response.json()["items"]] == emails


@pytest.mark.parametrize(
    "who,status", [("alice", 200), ("bob", 403), ("charlie", 404), ("operator", 200)]
)
def test_it_gets_an_account_only_within_scope(request, api, ada, who, status):
    response = api(request.getfixturevalue(who)).get(f"{URL}/{ada.pk}")
    assert response.status_code == status
    assert ("error" in response.json()) is (status != 200)


@pytest.mark.parametrize(
    "who,status", [("alice", 200), ("bob", 403), ("charlie", 404), ("operator", 200)]
)
def test_it_filters_by_an_organization_only_within_scope(request, api, ada, who, status):
    assert (
        api(request.getfixturevalue(who)).get(URL, {"organization": "org-a"}).status_code == status
    )


@pytest.mark.parametrize(
    "who,status", [("alice", 201), ("bob", 403), ("charlie", 404), ("operator", 201)]
)
def test_it_creates_accounts_only_in_organizations_in_scope(request, api, org_a, who, status):
    response = _post(
        api(request.getfixturevalue(who)), {"organization": "org-a", "email": "new@example.com"}
    )
    assert response.status_code == status
    assert Account.objects.filter(email="new@example.com").exists() is (status == 201)


def test_it_wants_a_bearer_token(client, ada):
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json() == {
        "error": "A valid bearer token is required.",
        "fields": {},
        "code": "unauthenticated",
    }


# ---------------------------------------------------------------- create


def test_it_creates_an_account_with_the_csv_field_names(api, alice, org_a, numbers_a):
    response = _post(
        api(alice),
        {
            "organization": "org-a",
            "permission_group": org_a.permission_groups.get().name,
            "email": "Grace@Example.com",
            "first_name": "Grace",
            "last_name": "Hopper",
            "multiline_number": "+1 212 555 0101",
            "social_messaging": True,
            "monitor_calls": "auto",
            "monitor_sms": "on",
            "forwarding_number": "+44 20 7946 0000",
            "restrict_incoming_social_messaging": True,
            "language": "German",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "id": body["id"],
        "organization": "org-a",
        "permission_group": org_a.permission_groups.get().name,
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "Grace@example.com",
        "device_number": None,
        "multiline_number": "+12125550101",
        "social_messaging": True,
        "monitor_calls": "auto",
        "monitor_sms": "on",
        "forwarding_number": "+442079460000",
        "restrict_incoming_social_messaging": True,
        "language": "German",
        "status": "not_invited",
        "created_at": body["created_at"],
        "invitation": None,
    }
    assert Number.objects.get(e164="+12125550101").status == "assigned"


def test_invite_true_queues_the_invitation(
    api, alice, org_a, numbers_a, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            api(alice), {"organization": "org-a", "email": "inv@example.com", "invite": True}
        )
    assert response.status_code == 201
    assert response.json()["status"] == "invited"
    assert response.json()["invitation"]["state"] == "queued"
    assert any("invitation" in path for path in queued_tasks())
    Account.objects.get(pk=response.json()["id"]).invitations.update(
        state="failed", attempts=3, last_error="550 mailbox unavailable", sent_at=None
    )
    account = api(alice).get(f"{URL}/{response.json()['id']}").json()
    assert account["invitation"]["state"] == "failed"
    assert account["invitation"]["attempts"] == 3
    assert account["invitation"]["last_error"] == "550 mailbox unavailable"
    assert account["invitation"]["expires_at"] > timezone.now().isoformat()[:10]


def test_invite_false_only_saves(api, alice, org_a, numbers_a):
    response = _post(
        api(alice), {"organization": "org-a", "email": "save@example.com", "invite": False}
    )
    assert response.json()["status"] == "not_invited"
    assert not Account.objects.get(email="save@example.com").invitations.exists()


def test_it_refuses_a_duplicate_email_whatever_its_case(api, alice, ada):
    response = _post(api(alice), {"organization": "org-a", "email": "ADA@EXAMPLE.COM"})
    assert response.status_code == 400
    assert (
        response.json()["fields"]["email"][0].lower()
        == "ada@example.com is already used by an account in org a"
    )


def test_it_refuses_a_number_of_another_organization(api, alice, org_a, numbers_b):
    response = _post(
        api(alice),
        {"organization": "org-a", "email": "x@example.com", "multiline_number": numbers_b[0]},
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "multiline_number": ["This number is not available."]
    }  # org B's
    assert not Account.objects.exists()


def test_smtp_data_offload_needs_an_email(api, charlie, org_b):
    response = _post(api(charlie), {"organization": "org-b", "email": "+44 7911 123456"})
    assert response.status_code == 400
    assert "SMTP data offload" in response.json()["fields"]["email"][0]


def test_a_number_tag_takes_a_ported_number(api, alice, org_a, numbers_a):
    add_numbers(org_a, ["+12125550190"], tags=["PORTED"])
    response = _post(
        api(alice), {"organization": "org-a", "email": "p@example.com", "number_tag": "ported"}
    )
    assert response.status_code == 201
    assert response.json()["multiline_number"] == "+12125550190"
    response = _post(
        api(alice), {"organization": "org-a", "email": "q@example.com", "number_tag": "PORTED"}
    )
    assert response.status_code == 400
    assert "no available number tagged PORTED" in response.json()["error"]


def test_it_names_the_fields_of_a_malformed_body(api, alice, org_a):
    response = _post(
        api(alice), {"organization": "org-a", "email": "x@example.com", "invite": "perhaps"}
    )
    assert response.status_code == 400
    assert "invite" in response.json()["fields"]
    response = _post(api(alice), {"organization": "org-a"})
    assert response.status_code == 400
    assert "email" in response.json()["fields"]


def test_an_unknown_permission_group_is_refused_by_name(api, alice, org_a):
    response = _post(
        api(alice), {"organization": "org-a", "email": "x@example.com", "permission_group": "Gold"}
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"permission_group": ["unknown"]}


# ---------------------------------------------------------------- list


def test_it_lists_with_filters_and_search(
    api, alice, org_a, numbers_a, ada, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        account_add(actor=alice, organization=org_a, data={"email": "inv@example.com"}, invite=True)
    client = api(alice)
    assert [a["email"] for a in client.get(URL, {"status": "invited"}).json()["items"]] == [
        "inv@example.com"
    ]
    assert [a["email"] for a in client.get(URL, {"q": "lovelace"}).json()["items"]] == [
        "ada@example.com"
    ]
    assert [a["email"] for a in client.get(URL, {"q": "2125550100"}).json()["items"]] == [
        "ada@example.com"
    ]
    response = client.get(URL, {"status": "gone"})
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_it_pages_with_a_keyset_cursor(api, alice, org_a, group_a):
    Account.objects.bulk_create(
        [
            Account(organization=org_a, permission_group=group_a, email=f"u{i:03}@example.com")
            for i in range(25)
        ]
    )
    expected = list(Account.objects.order_by("-id").values_list("email", flat=True))
    client = api(alice)
    seen, after = [], None
    while True:
        params = {"limit": 10} | ({"after": after} if after else {})
        body = client.get(URL, params).json()
        seen += [a["email"] for a in body["items"]]
        after = body["next"]
        if after is None:
            break
    assert seen == expected
    assert client.get(URL, {"limit": 201}).status_code == 400


def test_the_slash_routes_of_other_helpers_are_not_taken(api, alice, org_a):
    assert api(alice).get(f"{URL}/resend-invitation").status_code in (404, 405)


def test_the_openapi_document_describes_the_accounts_calls(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/accounts"])
    assert "get" in paths["/api/v1/accounts/{account_id}"]
