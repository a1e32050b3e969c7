"""The end user's pages and invitations in the account's language, through the catalogs, with the
expiry in the organization's time zone and the zone shown (issue 11 point 1)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from portal.accounts.services import account_add
from portal.invitations import content
from portal.invitations.models import Invitation
from portal.invitations.tests.helpers import sent_invitation
from portal.organizations.services import organization_update

EXPIRY = datetime(2026, 12, 8, 13, 30, tzinfo=UTC)
# English words of the pages that must not be left over in another language.
ENGLISH = re.compile(r"(Activate|expires|Welcome|Pick|Continue|your|has invited|works once|device)")


@pytest.fixture
def invited(alice, org_a, numbers_a, mailoutbox):
    def make(language, **data):
        account = account_add(
            actor=alice,
            organization=org_a,
            data={"email": f"{language}@example.com", "language": language, **data},
            invite=True,
        )
        return (account, *sent_invitation(account))

    return make


def _visible(html: str) -> str:
    body = html.split("<main", 1)[1]
    return re.sub(r"<[^>]+>", " ", body)


@pytest.mark.parametrize("language", ["it", "de", "fr", "es"])
def test_the_activation_pages_have_no_english_left(language, invited, client):
    _account, _inv, token, _code = invited(language, first_name="Anna")
    page = client.get(f"/activate/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and f'lang="{language}"' in page.content.decode()
    assert page["Content-Language"] == language
    assert not ENGLISH.findall(_visible(page.content.decode())), _visible(page.content.decode())
    code_page = client.get("/activate/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert not ENGLISH.findall(_visible(code_page))


def test_the_expiry_is_in_the_organizations_zone_as_the_language_writes_it(
    alice, org_a, invited, client, mailoutbox
):
    organization_update(actor=alice, organization=org_a, time_zone="Europe/Rome")
    account, invitation, token, _code = invited("it")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=EXPIRY)
    page = client.get(f"/activate/{token}/").content.decode()
    assert (
        "Questo invito si può usare una sola volta e scade in data 8 dicembre 2026, 14:30 CET"
        in page
    )
    # The invitation itself: the same zone, in the email's language.
    values = content.Values(
        first_name="Anna",
        last_name="Bianchi",
        activation_link="https://ml.example.com/activate/T/",
        activation_code="40512977",
        multiline_number="",
        organization="Org A",
        expires_on=EXPIRY,
        language="de",
        time_zone=org_a.time_zone,
    )
    email = content.render_email(content.default_wording("de", "email"), values)
    assert "ist bis zum 8. Dezember 2026, 14:30 CET gültig" in email.text
    with_default_zone = content.render_email(
        content.default_wording("fr", "email"), replace(values, language="fr", time_zone="")
    )
    assert "expire le 8 décembre 2026 à 13:30 UTC" in with_default_zone.text


def test_an_invalid_zone_is_refused_for_an_organization(alice, org_a):
    from portal.lib.errors import DomainError

    with pytest.raises(DomainError) as refused:
        organization_update(actor=alice, organization=org_a, time_zone="Mars/Base")
    assert refused.value.fields == {"time_zone": ["unknown time zone"]}


def test_the_german_editor_speaks_german(alice, org_a, login):
    client = login(alice)
    page = client.get("/invitations/templates/org-a/de/sms/", HTTP_ACCEPT_LANGUAGE="de")
    text = page.content.decode()
    assert "SMS-Einladung (Deutsch)" in text and "Vorschau" in text
    assert "<b>1 SMS-Segment</b>" in text
    listing = client.get("/invitations/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Einladungsvorlagen" in listing and "Standardsprache" in listing


def test_the_organization_form_sets_the_zone_and_a_form_without_it_keeps_it(login, alice, org_a):
    from portal.organizations.tests.test_views import settings_form

    client = login(alice)
    assert (
        client.post("/organizations/org-a/", settings_form(time_zone="Europe/Madrid")).status_code
        == 302
    )
    org_a.refresh_from_db()
    assert org_a.time_zone == "Europe/Madrid"
    client.post("/organizations/org-a/", settings_form(invitation_validity_days=10))
    org_a.refresh_from_db()
    assert (org_a.time_zone, org_a.invitation_validity_days) == ("Europe/Madrid", 10)
    refused = client.post("/organizations/org-a/", settings_form(time_zone="Mars/Base"))
    assert refused.status_code == 200
    org_a.refresh_from_db()
    assert org_a.time_zone == "Europe/Madrid"
