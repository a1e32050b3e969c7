"""The activity page in the browser's language (German here) when the admin has not chosen one:
its sentences and labels too; the API's summary stays English."""

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


@pytest.fixture
def suspended(alice, org_a, group_a, numbers_a):
    from portal.accounts.lifecycle import accounts_suspend
    from portal.accounts.services import account_add

    jurgen = account_add(
        actor=alice,
        organization=org_a,
        data={
            "first_name": "Jürgen",
            "last_name": "Müller",
            "email": "jurgen@bank.example",
            "multiline_number": numbers_a[0],
        },
    )
    accounts_suspend(actor=alice, accounts=[jurgen.pk], reason="Left the bank")
    return jurgen


def test_the_activity_page_in_german(login, alice, suspended):
    page = login(alice).get("/activity/", {"action": "account.suspend"}, **GERMAN)
    html = page.content.decode()
    assert "Administratoraktivität" in html and "CSV herunterladen" in html
    assert "alice hat das Konto Jürgen Müller (jurgen@bank.example) gesperrt" in html
    assert "<dt>Freigegebene Nummer</dt><dd>+12125550100</dd>" in html
    assert '<option value="account.suspend" selected>Konto: sperren</option>' in html
    for english in ("Administrator Activity", "suspended account", "Number released", "Time"):
        assert english not in html


def test_the_sentences_follow_the_language_of_each_request(login, alice, suspended):
    client = login(alice)
    assert "gesperrt" in client.get("/activity/", **GERMAN).content.decode()
    english = client.get("/activity/").content.decode()
    assert "alice suspended account Jürgen Müller" in english and "gesperrt" not in english
    french = client.get("/activity/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "alice a suspendu le compte Jürgen Müller" in french


def test_a_wrong_date_range_is_explained_in_german(login, alice):
    page = login(alice).get(
        "/activity/", {"date_from": "2026-12-02", "date_to": "2026-12-01"}, **GERMAN
    )
    assert "„Bis“ liegt vor „Von“." in page.content.decode()
