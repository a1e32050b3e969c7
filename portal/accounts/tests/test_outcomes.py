"""Typed outcomes: refusals carry a code (the API's `code`), and a database refusal is told by
the constraint's name, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, transaction

from portal.accounts.models import Account
from portal.accounts.services import account_add, violated_field
from portal.alerts.models import AlertSent
from portal.lib.dberrors import unique_field, violated
from portal.organizations.models import Organization
from portal.permissions.models import PermissionGroup


def refused(write) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        write()
    return caught.value


def test_each_unique_rule_is_told_by_its_constraint_name(alice, org_a, group_a, numbers_a):
    ada = account_add(
        actor=alice,
        organization=org_a,
        data={"email": "ada@example.com", "multiline_number": numbers_a[0]},
    )
    device = account_add(actor=alice, organization=org_a, data={"email": "+447911123456"})
    same_email = refused(
        lambda: Account.objects.create(
            organization=org_a, permission_group=group_a, email="ADA@example.com"
        )
    )
    assert violated(same_email, Account) == "account_unique_email"
    assert violated_field(same_email) == "email"
    same_device = refused(
        lambda: Account.objects.create(
            organization=org_a, permission_group=group_a, device_number=device.device_number
        )
    )
    assert violated(same_device, Account) == "account_unique_device_number"
    same_number = refused(
        lambda: Account.objects.create(
            organization=org_a, permission_group=group_a, email="b@example.com", number=ada.number
        )
    )
    assert violated(same_number, Account) == unique_field(Account, "number")
    assert violated_field(same_number) == "multiline_number"
    same_name = refused(
        lambda: PermissionGroup.objects.create(organization=org_a, name=group_a.name)
    )
    assert violated(same_name, PermissionGroup) == "permission_group_unique_name"
    same_slug = refused(lambda: Organization.objects.create(name="Other", slug=org_a.slug))
    assert violated(same_slug, Organization) == unique_field(Organization, "slug")
    AlertSent.objects.create(key="k", kind="account_moved", organization=org_a, recipients=[])
    same_key = refused(
        lambda: AlertSent.objects.create(
            key="k", kind="account_moved", organization=org_a, recipients=[]
        )
    )
    assert violated(same_key, AlertSent) == unique_field(AlertSent, "key")


def test_the_api_says_which_rule_refused(api, alice, org_a, numbers_a):
    client = api(alice)

    def add(body):
        return client.post("/api/v1/accounts", json.dumps(body), content_type="application/json")

    assert add({"organization": "org-a", "email": "ada@example.com"}).status_code == 201
    again = add({"organization": "org-a", "email": "ADA@example.com"})
    assert again.status_code == 400
    assert again.json()["code"] == "contact_taken"
    assert again.json()["fields"]["email"] == [
        "ADA@example.com is already used by an account in Org A"
    ]
    missing = client.get("/api/v1/accounts/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
