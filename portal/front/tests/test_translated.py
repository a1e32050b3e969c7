"""The layout, the sign-in page and the error pages in the browser's language (German here), when
the admin has not chosen one; English stays the default."""

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


def test_the_menu_and_the_skip_link_follow_the_browsers_language(login, alice):
    page = login(alice).get("/access/tokens/", **GERMAN).content.decode()
    assert '<html lang="de">' in page
    for german in ("Zum Inhalt springen", "Konten", "Nummern", "Organisationen", "Abmelden"):
        assert german in page
    for english in ("Skip to content", ">Accounts<", ">Organizations<", "Log out"):
        assert english not in page


def test_english_stays_the_default(login, alice):
    page = login(alice).get("/access/tokens/").content.decode()
    assert '<html lang="en">' in page and "Skip to content" in page and "Log out" in page


def test_the_sign_in_page_in_german(client):
    page = client.get("/login/", **GERMAN).content.decode()
    assert "Melden Sie sich mit Ihrem Administratorkonto an." in page
    assert "Passwort vergessen?" in page
    assert "Log in with your administrator account." not in page


def test_the_404_page_in_german(login, alice):
    response = login(alice).get("/no-such-page/", **GERMAN)
    page = response.content.decode()
    assert response.status_code == 404
    assert "Nicht gefunden" in page and "Zurück zum Portal" in page
    assert "Not found" not in page and "Back to the portal" not in page


def test_the_403_page_in_german(login, bob):
    """Bob's role lacks Accounts: the accounts list is refused, in German."""
    response = login(bob).get("/accounts/", **GERMAN)
    page = response.content.decode()
    assert response.status_code == 403
    assert "Nicht erlaubt" in page and "Not allowed" not in page


def test_the_api_keeps_english_errors(client):
    response = client.get("/api/v1/no-such-thing", **GERMAN)
    assert response.status_code == 404
    assert response.json()["error"] == "Not found."


def test_the_500_page_in_german(rf):
    from django.contrib.auth.models import AnonymousUser

    from portal.front.views import server_error

    request = rf.get("/somewhere/")
    request.user = AnonymousUser()
    with translation.override("de"):
        response = server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert "Auf unserer Seite ist ein Fehler aufgetreten" in page and "Fehler" in page
    assert "Something went wrong" not in page
