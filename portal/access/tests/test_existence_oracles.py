"""Existence oracles closed (issue 8, point 6): through every door — the portal's forms, the API,
a CSV batch and its report, Move, SCIM — an admin of another tenant trying an email,
device number or MultiLine number held in org A hears only that it is "not available", worded as
for a number nobody has, and nothing of org A; an admin whose scope holds it hears where it is."""

import json
import re

import pytest
from django.test import Client

from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.batches.tests import files

EMAIL = "This email address is not available."
DEVICE = "This device number is not available."
NUMBER = "This number is not available."
DEVICE_A = "+447911123456"  # the device number of an account of org A
NOBODYS = "+447911123457"  # a valid number in nobody's inventory


def assert_silent(text: str) -> None:
    """Nothing in `text` tells of org A: not its name, not its slug."""
    assert not re.search(r"org[ -]a\b", text, re.IGNORECASE), text


@pytest.fixture
def org_c(db):
    """A tenant without SMTP data offload (org B's offload refuses device numbers first)."""
    from portal.organizations.services import organization_create

    return organization_create(actor=None, name="Org C", slug="org-c", features=["voice_calling"])


@pytest.fixture
def dora(org_c, full_role):
    """Admin of org C with every privilege: org A is outside her scope."""
    from portal.access.services import admin_create

    return admin_create(
        actor=None,
        username="dora",
        email="dora@example.com",
        password="Correct-horse-9",
        role=full_role,
        organizations=[org_c],
    )


@pytest.fixture
def held(alice, org_a, numbers_a):
    """Org A holds ada@example.com (with numbers_a[0]), the device DEVICE_A, and numbers_a[1:]."""
    account_add(
        actor=alice,
        organization=org_a,
        data={"email": "ada@example.com", "multiline_number": numbers_a[0]},
    )
    account_add(actor=alice, organization=org_a, data={"email": DEVICE_A})
    return numbers_a


def _api_add(client, **body):
    return client.post("/api/v1/accounts", json.dumps(body), content_type="application/json")


# ---------------------------------------------------------------- portal form


def _form_add(client, org, **values):
    group = org.permission_groups.get(is_default=True)
    return client.post(
        "/accounts/add/",
        {"organization": org.slug, "permission_group": group.pk, "action": "save", **values},
    )


def test_the_add_form_says_only_not_available_to_another_tenant(login, dora, org_c, held):
    client = login(dora)
    for values, message in [
        ({"email": "ADA@example.com"}, EMAIL),
        ({"email": DEVICE_A}, DEVICE),
        ({"email": "new@example.com", "assign": f"number:{held[1]}"}, NUMBER),
        ({"email": "new@example.com", "assign": f"number:{NOBODYS}"}, NUMBER),
    ]:
        response = _form_add(client, org_c, **values)
        assert response.status_code == 400
        body = response.content.decode()
        assert message in body
        assert_silent(body)
    assert not Account.objects.filter(organization=org_c).exists()


def test_the_add_form_names_the_holder_inside_the_scope(login, alice, org_a, org_a_child, held):
    body = _form_add(login(alice), org_a_child, email="ada@example.com").content.decode()
    assert "ada@example.com is already used by an account in Org A" in body


# ---------------------------------------------------------------- API


def test_the_api_says_only_not_available_to_another_tenant(api, dora, held):
    client = api(dora)
    for body, field, message in [
        ({"email": "Ada@Example.com"}, "email", EMAIL),
        ({"email": DEVICE_A}, "email", DEVICE),
        ({"email": "new@example.com", "multiline_number": held[1]}, "multiline_number", NUMBER),
        ({"email": "new@example.com", "multiline_number": NOBODYS}, "multiline_number", NUMBER),
    ]:
        response = _api_add(client, organization="org-c", **body)
        assert response.status_code == 400
        assert response.json()["fields"] == {field: [message]}
        assert_silent(response.content.decode())


def test_the_api_edit_says_only_not_available_to_another_tenant(api, dora, org_c, held):
    mine = account_add(actor=dora, organization=org_c, data={"email": "mine@example.com"})
    response = api(dora).post(
        f"/api/v1/accounts/{mine.pk}/edit",
        json.dumps({"email": "ada@example.com"}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["fields"] == {"email": [EMAIL]}
    assert_silent(response.content.decode())


def test_a_sub_organization_admin_hears_nothing_of_its_parent(api, org_a_child, full_role, held):
    """The parent's accounts are outside a sub-organization admin's scope."""
    from portal.access.services import admin_create

    erin = admin_create(
        actor=None,
        username="erin",
        email="erin@example.com",
        password="Correct-horse-9",
        role=full_role,
        organizations=[org_a_child],
    )
    response = _api_add(api(erin), organization="org-a-branch", email="ada@example.com")
    assert response.status_code == 400 and response.json()["fields"] == {"email": [EMAIL]}
    assert_silent(response.content.decode())


def test_the_api_names_the_holder_inside_the_scope(api, alice, operator, org_a_child, held):
    for who in (alice, operator):
        response = _api_add(
            api(who), organization="org-a-branch", email="ada@example.com", multiline_number=held[1]
        )
        assert response.status_code == 400
        assert response.json()["fields"] == {
            "email": ["ada@example.com is already used by an account in Org A"],
            "multiline_number": [f"{held[1]} is not a number of Org A Branch"],
        }
    # Only the operator, who sees every inventory, is told a number is in none.
    response = _api_add(
        api(operator), organization="org-a", email="x@example.com", multiline_number=NOBODYS
    )
    assert response.json()["fields"] == {
        "multiline_number": [f"{NOBODYS} is not in the number inventory"]
    }


# ---------------------------------------------------------------- CSV batch and its report


def test_a_batch_report_says_only_not_available_to_another_tenant(login, api, dora, org_c, held):
    from portal.batches.services import batch_create, batch_run

    rows = [
        files.row(email="ada@example.com"),
        files.row(email=DEVICE_A),
        files.row(email="new@example.com", multiline_number=held[1]),
        files.row(email="other@example.com", multiline_number=NOBODYS),
        files.row(email="fine@example.com"),
    ]
    batch = batch_create(
        actor=dora,
        organization=org_c,
        permission_group=None,
        filename="accounts.csv",
        data=files.excel_csv_utf8(rows),
        invite=False,
        dry_run=False,
        enqueue=False,
    )
    batch = batch_run(batch_id=batch.pk)
    reasons = {r.row: r.reason for r in batch.rows.all()}
    assert reasons == {
        2: f"email: {EMAIL}",
        3: f"email: {DEVICE}",
        4: f"multiline_number: {NUMBER}",
        5: f"multiline_number: {NUMBER}",
        6: "",
    }
    for answer in (
        login(dora).get(f"/batches/{batch.pk}/report.csv"),
        login(dora).get(f"/batches/{batch.pk}/"),
        api(dora).get(f"/api/v1/batches/{batch.pk}/report.csv"),
    ):
        assert answer.status_code == 200
        text = b"".join(answer.streaming_content if answer.streaming else [answer.content]).decode(
            "utf-8-sig"
        )
        assert EMAIL in text and NUMBER in text
        assert_silent(text)


def test_a_batch_of_the_holders_scope_is_told_where(alice, org_a_child, held):
    from portal.batches.services import batch_create, batch_run

    batch = batch_create(
        actor=alice,
        organization=org_a_child,
        permission_group=None,
        filename="a.csv",
        data=files.excel_csv_utf8([files.row(email="ada@example.com")]),
        invite=False,
        dry_run=False,
        enqueue=False,
    )
    row = batch_run(batch_id=batch.pk).rows.get()
    # In the uploader's scope, the account is named where it is (and nothing is moved).
    assert row.result == "exists"
    assert (
        row.reason
        == "ada@example.com already has an account in Org A; nothing was moved or changed"
    )


# ---------------------------------------------------------------- Move


def test_move_to_or_of_another_tenant_is_404_and_names_nothing(api, dora, org_c, held):
    mine = account_add(actor=dora, organization=org_c, data={"email": "mine@example.com"})
    ada = Account.objects.get(email="ada@example.com")
    client = api(dora)
    for path, body in [
        ("/api/v1/accounts/move", {"ids": [mine.pk], "organization": "org-a"}),
        ("/api/v1/accounts/move", {"ids": [ada.pk], "organization": "org-c"}),
        (f"/api/v1/accounts/{mine.pk}/move", {"organization": "org-a"}),
        (f"/api/v1/accounts/{ada.pk}/move", {"organization": "org-c"}),
    ]:
        response = client.post(path, json.dumps(body), content_type="application/json")
        assert response.status_code == 404, (path, body)
        assert_silent(response.content.decode())
    assert Account.objects.get(pk=mine.pk).organization == org_c
    assert Account.objects.get(pk=ada.pk).organization.slug == "org-a"


# ---------------------------------------------------------------- SCIM


def test_scim_says_only_not_available_to_another_tenant(dora, org_c, held):
    from portal.scim.services import scim_token_issue

    _token, raw = scim_token_issue(actor=dora, organization=org_c, name="Okta", invite=False)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "name": {"givenName": "A"}}
    for body, status in [
        (
            {
                "userName": "ada@example.com",
                "emails": [{"value": "ada@example.com", "primary": True}],
            },
            409,
        ),
        ({"userName": "d.bianchi", "phoneNumbers": [{"type": "mobile", "value": DEVICE_A}]}, 409),
        (
            {
                "userName": "n@example.com",
                "emails": [{"value": "n@example.com", "primary": True}],
                "phoneNumbers": [{"type": "work", "value": held[1]}],
            },
            None,
        ),
    ]:
        response = client.post(
            "/scim/v2/Users", json.dumps({**user, **body}), content_type="application/scim+json"
        )
        text = response.content.decode()
        assert response.status_code == status if status else response.status_code in (400, 409), (
            text
        )
        assert "not available" in text
        assert_silent(text)


# ---------------------------------------------------------------- Add numbers


def test_add_numbers_is_the_operators_and_tells_an_admin_nothing(api, dora, held):
    """Only the operator adds numbers; an admin trying one of org A's learns nothing of it."""
    response = api(dora).post(
        "/api/v1/numbers",
        json.dumps({"organization": "org-c", "numbers": [held[1], NOBODYS]}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert_silent(response.content.decode())
    assert held[1] not in response.content.decode()


# ---------------------------------------------------------------- organization slugs


def test_a_slug_of_another_tenant_is_only_not_available(api, dora, alice, org_a_child):
    def create(who, slug, parent):
        body = {"name": "New branch", "slug": slug, "parent": parent}
        return api(who).post(
            "/api/v1/organizations", json.dumps(body), content_type="application/json"
        )

    refused = create(dora, "org-a", "org-c")
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "This slug is not available.",
        "fields": {"slug": ["not available"]},
        "code": "invalid",
    }
    inside = create(alice, "org-a-branch", "org-a")
    assert inside.status_code == 400
    assert inside.json()["error"] == "An organization with the slug “org-a-branch” exists already."


# ---------------------------------------------------------------- admin usernames


def test_a_username_of_another_tenants_admin_is_only_not_available(api, dora, alice, charlie):
    def create(who, username, organization):
        body = {
            "username": username,
            "email": f"{username}.new@example.com",
            "role": who.admin.role.pk,
            "organizations": [organization],
        }
        return api(who).post("/api/v1/admins", json.dumps(body), content_type="application/json")

    refused = create(dora, "charlie", "org-c")
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "This username is not available.",
        "fields": {"username": ["taken"]},
        "code": "invalid",
    }
    inside = create(alice, "charlie", "org-a")  # charlie (org B) is outside alice's scope too
    assert inside.json()["error"] == "This username is not available."
    assert (
        create(charlie, "charlie", "org-b").json()["error"]
        == "An admin named “charlie” exists already."
    )
