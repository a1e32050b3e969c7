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
