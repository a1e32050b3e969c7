"""The sign-in, second-factor, password and lockout pages in the browser's language (German here)
when the admin has not chosen one."""

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from portal.signin.tests.conftest import sign_in

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request leaves its language active in the thread: the next tests start in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_password_reset_pages_in_german(client):
    page = client.get("/password/reset/", **GERMAN).content.decode()
    assert "Setzen Sie Ihr Passwort zurück" in page and "Link senden" in page
    assert "Reset your password" not in page and "Send the link" not in page
    done = client.get("/password/reset/sent/", **GERMAN).content.decode()
    assert "Prüfen Sie Ihre E-Mails" in done and "Check your email" not in done


def test_the_sign_in_security_page_in_german(login, alice):
    page = login(alice).get("/signin/two-factor/", **GERMAN).content.decode()
    assert "Anmeldesicherheit" in page and "Authenticator-App hinzufügen" in page
    assert 'href="/signin/lockouts/">Anmeldesperren</a>' in page
    for english in ("Sign-in security", "Add an authenticator app", "Change your password"):
        assert english not in page


def test_the_password_change_page_and_its_errors_in_german(login, alice):
    client = login(alice)
    page = client.get("/password/change/", **GERMAN).content.decode()
    assert "Ändern Sie Ihr Passwort" in page and "Passwort ändern" in page
    refused = client.post(
        "/password/change/",
        {
            "old_password": "Correct-horse-9",
            "new_password1": "Correct-horse-9",
            "new_password2": "Correct-horse-9",
        },
        **GERMAN,
    ).content.decode()
    assert "Wählen Sie ein anderes Passwort als das aktuelle." in refused
    assert "Choose a password different" not in refused


def test_the_lockout_page_in_german(alice):
    client = Client(**GERMAN)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked = sign_in(client, "alice", "wrong-password", **GERMAN)
    page = locked.content.decode()
    assert locked.status_code == 429
    assert "Anmeldung gesperrt" in page and "Sign-in locked" not in page


def test_the_lockouts_list_in_german(login, alice):
    page = login(alice).get("/signin/lockouts/", **GERMAN).content.decode()
    assert "Keine Anmeldung ist gesperrt." in page and "No sign-in is locked." not in page


def test_the_reset_email_is_in_the_language_of_the_request(client, alice, mailoutbox):
    client.post("/password/reset/", {"email": "alice@example.com"}, **GERMAN)
    [mail] = mailoutbox
    assert mail.subject == "Ihr Passwort für das MultiLine Management Portal zurücksetzen"
    assert mail.body.startswith("Guten Tag alice,") and "/password/reset/" in mail.body
