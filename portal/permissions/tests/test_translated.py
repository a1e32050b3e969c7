"""User Permissions in German, for an admin whose browser asks for German."""

from django.urls import reverse


def test_the_permission_groups_speak_german(login, alice, group_a):
    client = login(alice)
    page = client.get(reverse("permissions:list"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    for text in ("Neue Berechtigungsgruppe", "Gruppe erstellen", "Umbenennen", "Standard"):
        assert text in page
    for text in ("New permission group", "Create group", "Rename<", "No groups yet."):
        assert text not in page
    response = client.post(
        reverse("permissions:rename", args=[group_a.pk]),
        {"name": "Gold"},
        HTTP_ACCEPT_LANGUAGE="de",
        follow=True,
    )
    assert "Umbenannt in „Gold“." in response.content.decode()
