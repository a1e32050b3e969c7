"""Preferences (issue 11 point 1): each admin picks the portal's language (else the browser's) and
time zone (else the portal's), for themselves only; the API and SCIM answer in English whatever
the caller's language."""

from __future__ import annotations

from datetime import UTC, datetime

from django.test import Client

from portal.access.models import AdminProfile
from portal.invitations.models import InvitationTemplate


def _save(client, **data):
    return client.post("/access/preferences/", {"language": "", "time_zone": "", **data})


def test_an_admin_chooses_german_and_berlin_and_the_portal_follows(alice, org_a, login):
    client = login(alice)
    page = client.get("/access/preferences/")
    assert page.status_code == 200 and 'name="time_zone"' in page.content.decode()
    saved = _save(client, language="de", time_zone="Europe/Berlin")
    assert saved.status_code == 303 and saved["Location"] == "/access/preferences/"
    profile = AdminProfile.objects.get(user=alice)
    assert (profile.language, profile.time_zone) == ("de", "Europe/Berlin")
    after = client.get("/access/preferences/", HTTP_ACCEPT_LANGUAGE="fr")
    text = after.content.decode()
    assert "Ihre Einstellungen wurden gespeichert." in text  # the confirmation, in German
    assert "<h1>Einstellungen</h1>" in text and after["Content-Language"] == "de"
    assert " CET" in text or " CEST" in text  # "now", in Berlin's zone, with the zone shown
    InvitationTemplate.objects.create(
        organization=org_a, language="it", channel="email", subject="Ciao", body="x"
    )
    InvitationTemplate.objects.filter(organization=org_a).update(
        updated_at=datetime(2026, 12, 8, 13, 30, tzinfo=UTC)
    )
    listing = client.get("/invitations/").content.decode()
    assert "Einladungsvorlagen" in listing
    assert "aktualisiert am 8. Dezember 2026, 14:30 CET" in listing


def test_without_a_chosen_language_the_browser_decides(alice, login):
    client = login(alice)
    assert _save(client, time_zone="Europe/Rome").status_code == 303
    page = client.get("/access/preferences/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "<h1>Preferenze</h1>" in page
    english = client.get("/access/preferences/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Preferences</h1>" in english


def test_each_admin_changes_only_their_own(alice, bob, login):
    _save(login(bob), language="es", time_zone="Europe/Madrid", user=alice.pk, pk=alice.pk)
    assert AdminProfile.objects.get(user=bob).language == "es"
    assert (AdminProfile.objects.get(user=alice).language, alice.admin.time_zone) == ("", "")


def test_an_unknown_zone_or_language_is_refused(alice, login):
    client = login(alice)
    for data in ({"time_zone": "Mars/Olympus"}, {"language": "xx"}):
        answer = _save(client, **data)
        assert answer.status_code == 200
        assert "Please choose from the lists." in answer.content.decode()
    assert AdminProfile.objects.get(user=alice).time_zone == ""


def test_the_operator_without_an_admin_profile_keeps_them_for_the_session(operator, login):
    client = login(operator)
    assert _save(client, language="fr").status_code == 303
    assert "<h1>Préférences</h1>" in client.get("/access/preferences/").content.decode()


def test_the_api_answers_in_english_whatever_the_language(alice, api, login):
    """A German browser, and a German profile, still get the API's English messages."""
    AdminProfile.objects.filter(user=alice).update(language="de")
    body = {"subject": "", "body": "{{ activation_link }}"}
    for language in ("de", "de-DE,de;q=0.9", "it"):
        refused = api(alice).put(
            "/api/v1/invitation-templates/org-a/en/email",
            body,
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert refused.status_code == 400, refused.content
        assert "An email needs a subject." in refused.json()["error"]
        assert refused.json()["fields"]["body"] == ["missing {{ activation_code }}"]
        assert refused["Content-Language"] == "en"
    # The same refusal on the portal's editor speaks German.
    page = login(alice).post(
        "/invitations/templates/org-a/en/email/", body, HTTP_ACCEPT_LANGUAGE="de"
    )
    assert page.status_code == 400 and "Eine E-Mail braucht einen Betreff." in page.content.decode()


def test_scim_answers_in_english(alice):
    answer = Client().get("/scim/v2/Users", HTTP_ACCEPT_LANGUAGE="de")
    assert answer.status_code == 401 and answer["Content-Language"] == "en"


def test_saving_the_preferences_is_in_the_activity_log(alice, org_a, login):
    from portal.audit.models import AuditEvent

    client = login(alice)
    _save(client, language="it", time_zone="Europe/Rome")
    event = AuditEvent.objects.get(action="admin.preferences")
    assert (event.actor_id, event.organization_id) == (alice.pk, org_a.pk)
    assert event.data == {"language": "it", "time_zone": "Europe/Rome"}
    log = client.get("/activity/").content.decode()  # in Italian, as alice chose
    assert "alice ha salvato le sue preferenze" in log
    assert "Europe/Rome" in log


def test_a_stale_profile_or_a_hostile_accept_language_falls_back_to_english(alice, login):
    """A stored language or zone that is no longer valid (an older release, an edit in the
    database) and a header made to hurt are not a 500: the portal answers, in English."""
    AdminProfile.objects.filter(user=alice).update(language="xx", time_zone="Mars/Olympus")
    client = login(alice)
    for header in ("", "x" * 10_000, "de;q=abc, ,,;;", "zz-ZZ, *;q=0"):
        page = client.get("/access/preferences/", HTTP_ACCEPT_LANGUAGE=header)
        assert page.status_code == 200, header[:20]
        assert "<h1>Preferences</h1>" in page.content.decode()
    # A NUL byte in the header is refused like any NUL byte in input: a 400 page, not a 500.
    assert client.get("/access/preferences/", HTTP_ACCEPT_LANGUAGE="de\x00").status_code == 400
