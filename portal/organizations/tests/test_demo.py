import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from portal.accounts.models import Account
from portal.numbers.models import Number
from portal.numbers.services import counts_by_status
from portal.organizations.models import Organization
from portal.permissions.models import PermissionGroup

pytestmark = pytest.mark.django_db


def counts():
    return (
        Organization.objects.count(),
        get_user_model().objects.count(),
        PermissionGroup.objects.count(),
        Number.objects.count(),
        Account.objects.count(),
        counts_by_status(Number.objects.all()),
    )


def run(*args):
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_demo_loads_what_the_readme_promises_and_is_idempotent(client):
    output = run()
    assert "operator      password: multiline-demo" in output and "/login/" in output
    first = counts()
    orgs, _users, _groups, numbers, accounts, statuses = first
    assert (orgs, numbers) == (3, 200) and accounts >= 5
    assert all(statuses[s] > 0 for s in ("available", "reserved", "assigned", "registered"))
    acme = Organization.objects.get(slug="acme-bank")
    assert {"social_messaging", "call_recording", "sms_recording"} <= set(acme.features)
    assert Organization.objects.get(slug="globex").features.count("smtp_data_offload") == 1
    assert Organization.objects.get(parent=acme)
    assert PermissionGroup.objects.filter(
        name="default cos for org 2000", organization=acme
    ).exists()
    assert set(Number.objects.filter(tags__isnull=False).values_list("tags__name", flat=True)) == {
        "PORTED",
        "VIP",
    }
    assert (
        "operator      password: multiline-demo" in run()
    )  # Still the demo password: shown again.
    assert counts() == first
    again = run("--if-empty")
    assert "not loaded" in again and "operator      password: multiline-demo" in again
    assert counts() == first
    # Through the sign-in form (django-axes checks every sign-in against its request).
    signed_in = client.post("/login/", {"username": "operator", "password": "multiline-demo"})
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session
    operator = get_user_model().objects.get(username="operator")
    operator.set_password("Changed-by-me-1")
    operator.save()
    assert "operator      (exists already; its password is unchanged)" in run("--if-empty")


def test_if_empty_loads_into_an_empty_database():
    run("--if-empty")
    assert Organization.objects.count() == 3


def test_an_existing_installation_gets_random_passwords(django_user_model):
    django_user_model.objects.create_user("someone", password="x")
    output = run()
    assert "multiline-demo" not in output
    assert "operator      password: " in output
