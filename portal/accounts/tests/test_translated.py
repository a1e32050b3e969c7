"""The Accounts screens in German: an admin whose browser asks for German (and who chose no
language) reads them in German, with no English left in what the pages themselves say."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.accounts.services import account_add


@pytest.fixture
def ada(alice, org_a, numbers_a):
    return account_add(
        actor=alice,
        organization=org_a,
        data={"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
    )


def german(client, url, method="get", **data):
    response = getattr(client, method)(url, data, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_the_accounts_list_speaks_german(login, alice, ada):
    page = german(login(alice), reverse("accounts:list"))
    for text in ("Konto hinzufügen", "CSV exportieren", "Filtern", "1 Konto", "Einladung erneut"):
        assert text in page
    assert "Kein Konto ausgewählt" in page  # what bulk.js shows comes from the page too
    for text in ("Add Account", "Export CSV", ">Filter<", "No account selected", "Resend"):
        assert text not in page


def test_add_account_speaks_german(login, alice, org_a):
    page = german(login(alice), reverse("accounts:add"), organization=org_a.slug)
    for text in ("Einzelnes Konto", "Mehrere Konten", "Speichern &amp; einladen", "Abbrechen"):
        assert text in page
    for text in ("Single Account", "Save &amp; Invite", "Cancel<", "Permissions and features"):
        assert text not in page
    assert ">Deutsch<" in page and ">German<" not in page  # the account's language, in German


def test_a_failed_add_says_why_in_german(login, alice, org_a):
    client = login(alice)
    response = client.post(
        reverse("accounts:add"),
        {"organization": org_a.slug, "action": "save", "email": ""},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    page = response.content.decode()
    assert "Bitte korrigieren Sie die unten markierten Felder." in page
    assert "Please correct" not in page


def test_the_account_page_and_its_actions_speak_german(login, alice, ada):
    client = login(alice)
    page = german(client, reverse("accounts:detail", args=[ada.pk]))
    for text in ("Vorname", "Nachname", "Einladungen", "Sperren…", "Nicht eingeladen"):
        assert text in page
    for text in ("First name", "Invitations<", "Suspend…", "Not invited"):
        assert text not in page
    page = german(client, reverse("accounts:edit", args=[ada.pk]))
    assert "Ada Lovelace bearbeiten" in page and "Speichern" in page
    assert "Edit Ada" not in page


def test_the_confirm_and_move_pages_speak_german(login, alice, ada):
    client = login(alice)
    page = german(client, reverse("accounts:suspend"), ids=ada.pk)
    for text in ("Konten sperren", "1 Konto sperren", "Grund", "Gesperrte Konten"):
        assert text in page
    for text in ("Suspend accounts", "Suspend 1 account", "Reason"):
        assert text not in page
    page = german(client, reverse("accounts:move"), ids=ada.pk)
    for text in ("Konten verschieben", "— Ziel wählen —", "Frei für neue Konten"):
        assert text in page
    for text in ("Move accounts", "choose the destination", "Free to onboard"):
        assert text not in page


def test_the_add_accounts_column_labels_and_help_speak_german(login, alice, org_a):
    page = german(login(alice), reverse("accounts:add"), organization=org_a.slug)
    for text in (
        "Vorname",
        "E-Mail oder Gerätenummer",
        "Wohin die Einladung geht: eine E-Mail-Adresse oder eine Mobilnummer",
        "Anrufe aufzeichnen (monitor_calls: auto)",
        "Weiterleitungsnummer",
        "Akzeptiert 4 bis 18 Ziffern mit Ländervorwahl",
    ):
        assert text in page
    for text in ("First Name", "Where the invitation goes", "Record calls", "Accepts values"):
        assert text not in page


def test_what_a_bulk_action_did_to_each_account_is_said_in_german(login, alice, ada):
    client = login(alice)
    for _time in range(2):
        done = client.post(
            reverse("accounts:suspend"),
            {"ids": ada.pk, "confirm": "1"},
            HTTP_ACCEPT_LANGUAGE="de",
            follow=True,
        )
    page = done.content.decode()
    assert "Es ist bereits gesperrt." in page and "suspended already" not in page


def test_an_invitations_state_is_named_in_the_admins_language():
    from datetime import timedelta

    from django.utils import timezone, translation

    from portal.invitations.models import Invitation

    later = timezone.now() + timedelta(days=1)
    with translation.override("de"):
        assert Invitation(state="revoked", expires_at=later).status_label == "Widerrufen"
        retrying = Invitation(state="queued", attempts=2, expires_at=later)
        assert retrying.status_label == "Erneuter Versuch"
        assert Invitation(state="sent", expires_at=timezone.now()).status_label == "Abgelaufen"
    assert retrying.status_label == "Retrying"
