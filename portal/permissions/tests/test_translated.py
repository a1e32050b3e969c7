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


def test_a_refused_group_says_why_in_german(login, alice, org_a, group_a):
    response = login(alice).post(
        reverse("permissions:create"),
        {"organization": org_a.slug, "name": group_a.name},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f"hat bereits eine Berechtigungsgruppe namens „{group_a.name}“" in page
