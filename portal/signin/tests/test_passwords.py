"""Passwords: at least 12 characters, not common, not like the admin's own details; a password
someone else set is changed at the first sign-in; change; reset by email (real SMTP)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from portal.signin.tests.conftest import PASSWORD, events, sign_in


@pytest.mark.parametrize(
    "password, why",
    [
        ("Summer2026", "at least 12 characters"),
        ("password1234", "too common"),
        ("839201746352", "entirely numeric"),
        ("erin.fairbanks", "too similar"),
    ],
)
def test_weak_passwords_are_refused_when_an_admin_is_created(
    alice, full_role, login, password, why
):
    response = login(alice).post(
        "/access/admins/new/",
        {
            "username": "erin",
            "email": "erin.fairbanks@bank.example",
            "password": password,
            "role": str(full_role.pk),
            "organizations": ["org-a"],
        },
    )
    assert response.status_code == 200 and why in response.content.decode()
    assert not get_user_model().objects.filter(username="erin").exists()


def test_a_password_someone_else_set_is_changed_at_the_first_sign_in(dave):
    client = Client()
    assert sign_in(client, "dave", "Given-by-alice-42").status_code == 302
    landing = client.get("/accounts/")
    assert landing.status_code == 302 and landing["Location"].startswith("/password/change/")
    page = client.get(landing["Location"]).content.decode()
    assert "Your password was set by someone else" in page
    assert client.get("/numbers/").status_code == 302  # Every page waits for it.
    assert client.get("/api/v1/organizations").status_code == 401  # The API wants a token.
    same = client.post(
        "/password/change/",
        {
            "old_password": "Given-by-alice-42",
            "new_password1": "Given-by-alice-42",
            "new_password2": "Given-by-alice-42",
        },
    )
    assert "different from the current one" in same.content.decode()
    weak = client.post(
        "/password/change/",
        {
            "old_password": "Given-by-alice-42",
            "new_password1": "Summer2026",
            "new_password2": "Summer2026",
        },
    )
    assert "at least 12 characters" in weak.content.decode()
    done = client.post(
        "/password/change/?next=/numbers/",
        {
            "old_password": "Given-by-alice-42",
            "new_password1": "Dave-chose-this-77",
            "new_password2": "Dave-chose-this-77",
            "next": "/numbers/",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/numbers/"
    assert client.get("/numbers/").status_code == 200  # Still signed in, free to go.
    [event] = events("signin.password_changed")
    assert event.actor_label == "dave"
    assert sign_in(Client(), "dave", "Dave-chose-this-77").status_code == 302
    assert Client().get("/accounts/").status_code == 302  # (anonymous: to the login page)


def test_the_personas_and_their_own_passwords_are_not_forced(alice):
    client = Client()
    assert sign_in(client, "alice").status_code == 302
    assert client.get("/accounts/").status_code == 200


def test_a_signed_in_admin_changes_its_password(alice):
    client = Client()
    sign_in(client, "alice")
    assert client.get("/password/change/").status_code == 200
    wrong = client.post(
        "/password/change/",
        {
            "old_password": "not-it-at-all",
            "new_password1": "Alice-new-pass-31",
            "new_password2": "Alice-new-pass-31",
        },
    )
    assert wrong.status_code == 200 and "incorrectly" in wrong.content.decode()
    done = client.post(
        "/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Alice-new-pass-31",
            "new_password2": "Alice-new-pass-31",
        },
        follow=True,
    )
    assert "Your password was changed" in done.content.decode()
    assert sign_in(Client(), "alice", ip="10.0.0.2").status_code == 200  # The old one: no more.
    assert sign_in(Client(), "alice", "Alice-new-pass-31", ip="10.0.0.3").status_code == 302
    assert len(events("signin.password_changed")) == 1


def _link(message) -> str:
    body = message.get_body(("plain",)).get_content()
    return re.search(r"http://[^/]+(/password/reset/\S+/)", body).group(1)


def test_reset_by_email_sends_one_link_that_works_once(alice, smtp_server):
    client = Client()
    form = client.get("/password/reset/")
    assert form.status_code == 200
    known = client.post("/password/reset/", {"email": "alice@example.com"})
    unknown = client.post("/password/reset/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/password/reset/sent/"
    [message] = smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1 and "alice@example.com" in message["To"]
    assert (
        "If an administrator account has that address"
        in client.get(known["Location"]).content.decode()
    )
    link = _link(message)
    page = client.get(link, follow=True)
    assert "Set a new password" in page.content.decode()
    set_url = page.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "Summer2026", "new_password2": "Summer2026"})
    assert "at least 12 characters" in weak.content.decode()
    done = client.post(
        set_url,
        {"new_password1": "Alice-reset-it-58", "new_password2": "Alice-reset-it-58"},
        follow=True,
    )
    assert "Your new password is set" in done.content.decode()
    assert sign_in(Client(), "alice", "Alice-reset-it-58").status_code == 302
    again = Client().get(link, follow=True)  # Used: it does not work any more.
    assert "does not work any more" in again.content.decode()
    assert [e.action for e in events("signin.password_reset_sent")] == [
        "signin.password_reset_sent"
    ]
    [reset] = events("signin.password_reset")
    assert reset.actor_label == "alice"


def test_a_reset_ends_a_forced_change(dave, smtp_server):
    Client().post("/password/reset/", {"email": "dave@bank.example"})
    [message] = smtp_server.wait_for(1)
    client = Client()
    page = client.get(_link(message), follow=True)
    client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "Dave-own-choice-19", "new_password2": "Dave-own-choice-19"},
    )
    client = Client()
    sign_in(client, "dave", "Dave-own-choice-19")
    assert client.get("/accounts/").status_code == 200


def test_reset_requests_are_limited_without_saying_so(alice, smtp_server, settings):
    settings.PASSWORD_RESET_RATE = (2, 3600)
    client = Client()
    answers = [
        client.post("/password/reset/", {"email": "alice@example.com"})["Location"]
        for _ in range(4)
    ]
    assert answers == ["/password/reset/sent/"] * 4
    smtp_server.wait_for(2)
    assert len(smtp_server.messages) == 2
