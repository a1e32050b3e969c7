"""The Dashboard in German, for an admin whose browser asks for German."""

from django.urls import reverse


def test_the_dashboard_speaks_german(login, alice, org_a, numbers_a):
    response = login(alice).get(reverse("dashboard:home"), HTTP_ACCEPT_LANGUAGE="de")
    page = response.content.decode()
    for text in ("Alle Konten", "Alle Nummern", "Kapazität für neue Konten", "Letzte Stapel"):
        assert text in page
    assert "Nicht eingeladen" in page and "Verfügbar" in page  # the statuses too
    for text in ("All accounts", "Onboarding capacity", "Recent batches", "Not invited"):
        assert text not in page
