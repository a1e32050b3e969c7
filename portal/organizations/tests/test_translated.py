"""The organization pages in the browser's language (German here) when the admin has not chosen
one; the feature names too, but not the slugs."""

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


def test_the_list_in_german(login, alice, org_a_child):
    page = login(alice).get("/organizations/", **GERMAN).content.decode()
    assert "Neue Organisation" in page and "Sprachanrufe" in page and "Einstellungen" in page
    assert "org-a-branch" in page
    for english in ("New organization", "Voice calling", ">Settings<", "Invitations valid"):
        assert english not in page


def test_the_settings_page_in_german(login, alice, org_a_child):
    page = login(alice).get("/organizations/org-a-branch/", **GERMAN).content.decode()
    for german in ("Einladungen und Aktivierung", "Standardsprache", "Einstellungen speichern"):
        assert german in page
    assert "Unterorganisation von" in page and 'href="/organizations/org-a/"' in page
    assert ">Englisch<" in page  # The language choices, by name.
    for english in ("Invitations and activation", "Default language", "Save settings"):
        assert english not in page


def test_the_new_organization_form_in_german(login, alice):
    page = login(alice).get("/organizations/new/", **GERMAN).content.decode()
    assert "Organisation anlegen" in page and "Übergeordnete Organisation" in page
    assert "Create organization" not in page and "Parent organization" not in page
