"""Lockout after repeated failures, per name and per address (django-axes), audited with its
release; the lockout page; API tokens unaffected."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from portal.signin.tests.conftest import events, sign_in


def test_five_wrong_passwords_lock_the_name_even_for_the_right_one(alice, org_a):
    client = Client()
    for _ in range(4):
        assert sign_in(client, "alice", "wrong-password").status_code == 200
    locked = sign_in(client, "alice", "wrong-password")
    assert locked.status_code == 429 and "Sign-in locked" in locked.content.decode()
    assert locked["Retry-After"] == "900"
    refused = sign_in(client, "alice")  # The right password: still refused.
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    assert 'href="/static/' in refused.content.decode()  # In the portal's layout.
    # From another address too: the name is locked.
    assert sign_in(Client(), "alice", ip="10.9.9.9").status_code == 429
    # The name and its address both reached the limit: one event each, however many refusals.
    name, address = events("signin.locked_out")
    assert name.organization == org_a and name.target_label == "alice"
    assert name.data == {"username": "alice", "failures": 5, "minutes": 15}
    assert name.ip == "10.1.2.3"
    assert address.data == {"ip": "10.1.2.3", "failures": 5, "minutes": 15}
    assert len(events("signin.failed")) == 7  # Every refused attempt stays in the trail.


def test_five_failures_from_one_address_lock_the_address_for_every_name(alice, bob):
    client = Client()
    for name in ("mallory", "trent", "victor", "walter", "bob"):
        sign_in(client, name, "Guess-1234567")  # One try each: no name is locked.
    assert sign_in(client, "alice").status_code == 429  # Alice from that address: locked.
    assert sign_in(Client(), "alice", ip="10.7.7.7").status_code == 302  # Elsewhere: fine.
    [event] = events("signin.locked_out")
    assert event.data == {"ip": "10.1.2.3", "failures": 5, "minutes": 15}
    assert event.organization is None  # An address is nobody's tenant: the operator's.


def test_the_lockout_ends_after_its_cool_off_and_that_is_audited(alice):
    client = Client()
    for _ in range(5):
        sign_in(client, "alice", "wrong-password")
    assert sign_in(client, "alice").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )
    assert sign_in(client, "alice").status_code == 302
    released = events("signin.unlocked")
    assert {e.data.get("username") or e.data.get("ip") for e in released} == {"alice", "10.1.2.3"}
    assert all(e.data["reason"] == "cool-off" and e.actor_label == "system" for e in released)


def test_an_admin_with_administrators_unlocks_an_admin_of_its_scope(alice, bob, charlie, login):
    for n in range(5):
        sign_in(Client(), "bob", "wrong-password", ip=f"10.5.5.{n}")
    for n in range(5):
        sign_in(Client(), f"user{n}", "Guess-1234567", ip="10.4.4.4")  # An address locked too.
    assert sign_in(Client(), "bob", ip="10.6.6.6").status_code == 429
    assert "bob" not in login(charlie).get("/signin/lockouts/").content.decode()
    admin = login(alice)
    page = admin.get("/signin/lockouts/").content.decode()
    assert "bob" in page and "10.4.4.4" not in page  # Addresses are the operator's to lift.
    from portal.signin.models import Lockout

    lockout = Lockout.objects.get(kind="username", value="bob")
    assert login(charlie).post(f"/signin/lockouts/{lockout.pk}/unlock/").status_code == 404
    response = admin.post(f"/signin/lockouts/{lockout.pk}/unlock/", follow=True)
    assert "bob can sign in again" in response.content.decode()
    assert sign_in(Client(), "bob", ip="10.6.6.6").status_code == 302
    [event] = events("signin.unlocked")  # The address 10.4.4.4 stays locked.
    assert event.actor_label == "alice" and event.data == {"username": "bob", "reason": "reset"}
    assert (
        "The sign-in lockout of bob was lifted by alice" in admin.get("/activity/").content.decode()
    )


def test_an_admin_without_administrators_sees_no_lockouts(org_a, login):
    from portal.access.services import admin_create, role_save

    role = role_save(actor=None, name="Reports only", privileges=["reports"])
    erin = admin_create(
        actor=None,
        username="erin",
        email="erin@bank.example",
        password="Correct-horse-9",
        role=role,
        organizations=[org_a],
    )
    assert login(erin).get("/signin/lockouts/").status_code == 403


def test_the_operator_unlocks_with_axes_reset_and_that_is_audited(alice, operator):
    for _ in range(5):
        sign_in(Client(), "alice", "wrong-password", ip=f"10.2.0.{_}")
    call_command("axes_reset_username", "alice")
    assert sign_in(Client(), "alice", ip="10.8.8.8").status_code == 302
    [event] = events("signin.unlocked")
    assert event.data == {"username": "alice", "reason": "reset"}


def test_a_locked_admin_keeps_its_api_tokens(alice, api):
    client = api(alice)
    for n in range(6):
        sign_in(Client(), "alice", "wrong-password", ip=f"10.3.0.{n}")
    assert sign_in(Client(), "alice").status_code == 429
    assert client.get("/api/v1/organizations").status_code == 200
