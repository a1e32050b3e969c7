"""The Numbers screens in German, for an admin whose browser asks for German."""

from django.urls import reverse

from portal.numbers.models import Number


def test_the_numbers_list_and_its_actions_speak_german(login, alice, numbers_a):
    client = login(alice)
    page = client.get(reverse("numbers:list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    for text in ("Nummern", "Gesamt", "Verfügbar", "Ausgewählte zuteilen an", "Reservieren"):
        assert text in page
    for text in ("Allocate selected", "Reserved for", "Unreserve", ">Available<"):
        assert text not in page
    number = Number.objects.get(e164=numbers_a[0])
    response = client.post(
        reverse("numbers:reserve"),
        {"n": [number.pk], "reserved_for": "CFO"},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    )
    assert "1 Nummer reserviert." in response.content.decode()


def test_add_numbers_speaks_german(login, operator):
    client = login(operator)
    page = client.get(reverse("numbers:add"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    for text in ("Nummern hinzufügen", "Nummern einfügen", "Hinzufügen zu", "Wie viele"):
        assert text in page
    for text in ("Paste numbers", "Add to", "How many"):
        assert text not in page
    response = client.post(
        reverse("numbers:add"),
        {"organization": "", "status": "available"},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert "Fügen Sie Nummern ein, laden Sie eine Datei hoch" in response.content.decode()


def test_the_kept_counts_say_so_in_german_with_the_language_s_digit_groups(
    login, operator, org_a, monkeypatch
):
    from portal.conftest import add_numbers
    from portal.numbers import listing

    add_numbers(org_a, [f"+44791{i:07d}" for i in range(1200)])
    monkeypatch.setattr(listing, "COUNTS_EXACT_BELOW", 1000)  # 1,200 numbers: kept a minute
    listing.counts_changed()
    client = login(operator)
    client.get(reverse("numbers:list"))  # counted, then kept
    page = client.get(reverse("numbers:list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Gezählt um" in page and "eine Minute lang aufbewahrt" in page
    assert "Counted at" not in page
    assert "<b>1.200</b>" in page  # German groups thousands with a dot
    english = client.get(reverse("numbers:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<b>1,200</b>" in english and "Counted at" in english
