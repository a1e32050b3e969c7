"""Setup → Alerts in the browser's language (German here) when the admin has not chosen one."""

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


def test_the_alerts_page_in_german(login, alice):
    page = login(alice).get("/alerts/setup/", **GERMAN).content.decode()
    for german in ("Benachrichtigungen · Org A", "Konto verschoben", "Weitere Empfänger"):
        assert german in page
    assert "Einladungsvorlagen" in page  # The Setup tabs.
    for english in ("Account moved", "Extra recipients", "Recent alerts", "Invitation templates"):
        assert english not in page


def test_a_refused_address_is_explained_in_german(login, alice):
    response = login(alice).post(
        "/alerts/setup/",
        {"organization": "org-a", "utilisation_percent": "80", "extra_recipients": "not-an-addr"},
        **GERMAN,
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "„not-an-addr“ ist keine E-Mail-Adresse" in page
    assert "is not an email address" not in page


def test_an_alert_email_rendered_in_german_reads_german(org_a):
    """The alert emails are templates with translated text: rendered while German is active
    (the sender chooses the language), they read German; English stays the default."""
    from django.utils import translation

    from portal.alerts.services import render

    context = {"short": 3}
    email = render("invitation_threshold", org_a, context)
    assert email.subject == "[MultiLine] Threshold exceeded for invitations in Org A"
    with translation.override("de"):
        email = render("invitation_threshold", org_a, context)
    assert email.subject == "[MultiLine] Schwellenwert für Einladungen in Org A überschritten"
    assert "Es werden 3 weitere Nummern benötigt" in email.text and "Hello" not in email.text
