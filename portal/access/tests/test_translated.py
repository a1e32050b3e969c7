"""Admins & Roles and API tokens in the browser's language (German here) when the admin has not
chosen one."""

import pytest
from django.conf import settings
from django.utils import translation

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


@pytest.fixture(autouse=True)
def english_afterwards():
    """A request leaves its language active in the thread: the next tests start in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_admins_and_roles_in_german(login, alice):
    page = login(alice).get("/access/", **GERMAN).content.decode()
    assert "Administratoren &amp; Rollen" in page and "Neuer Administrator" in page
    assert "Letzte Anmeldung" in page
    assert "API-Benutzer" in page  # A privilege label of the role.
    for english in ("Admins &amp; Roles", "New admin", "Last login", "API Users"):
        assert english not in page


def test_the_admin_form_in_german(login, alice):
    page = login(alice).get("/access/admins/new/", **GERMAN).content.decode()
    assert "Administrator speichern" in page and "Vorname" in page and "Rolle wählen…" in page
    assert "Save admin" not in page and "First name" not in page


def test_a_refused_admin_in_german(login, alice):
    response = login(alice).post(
        "/access/admins/new/",
        {"username": "alice", "email": "x@example.com", "role": "", "organizations": []},
        **GERMAN,
    )
    page = response.content.decode()
    assert "Dieses Feld ist zwingend erforderlich." in page  # Django's own catalog.
    assert "This field is required." not in page


def test_the_tokens_page_in_german(login, alice):
    page = login(alice).get("/access/tokens/", **GERMAN).content.decode()
    assert "Token ausstellen" in page and "Noch keine Tokens." in page
    assert "Issue a token" not in page and "No tokens yet." not in page


def test_a_missing_privilege_is_refused_in_german(login, bob):
    response = login(bob).get("/accounts/", **GERMAN)
    assert response.status_code == 403
    assert "Dafür braucht Ihre Rolle die Berechtigung Konten." in response.content.decode()
