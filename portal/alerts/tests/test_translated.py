"""Setup → Alerts in the browser's language (German here) when the admin has not chosen one."""

import pytest

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


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
