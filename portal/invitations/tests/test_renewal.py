"""Self-service renewal: an end user whose invitation expired asks for a new one from its page
(link or code), in the portal and the API. It goes only to the address the expired one went to,
a few times a day at most, is audited for the admins, and each organization can switch it off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.accounts.services import account_add
from portal.audit.models import AuditEvent
from portal.invitations.models import Invitation
from portal.invitations.tests.helpers import link_of, path_of, sent_invitation, text_part


@pytest.fixture
def expired(alice, org_a, numbers_a, smtp_server, settings):
    """Jürgen's invitation, delivered to a real SMTP server, then expired."""
    settings.INVITATION_RESEND_WINDOW = 0

    def make(email="jurgen@bank.example", **data):
        account = account_add(
            actor=alice,
            organization=org_a,
            invite=True,
            data={"first_name": "Jürgen", "last_name": "Müller", "email": email, **data},
        )
        invitation, token, code = sent_invitation(account)
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(hours=1)
        )
        return account, token, code

    return make


def _renewed_email(smtp_server, account, count: int):
    """Deliver the renewal queued for `account` and return the newest email to it."""
    _invitation, token, _code = sent_invitation(account)
    smtp_server.wait_for(count)
    return smtp_server.to(account.email)[-1], token


def test_an_expired_link_offers_a_new_invitation_to_the_same_address(
    expired, client, smtp_server, login, alice
):
    account, token, _code = expired()
    page = client.get(f"/activate/{token}/")
    assert page.status_code == 410
    text = page.content.decode()
    assert (
        "You can ask for a new invitation yourself" in text and "Send me a new invitation" in text
    )

    answer = client.post(f"/activate/{token}/", {"renew": "1", "contact": "mallory@evil.example"})
    assert answer.status_code == 200
    assert "A new invitation is on its way" in answer.content.decode()
    message, new_token = _renewed_email(smtp_server, account, 2)
    assert message["To"] == "jurgen@bank.example"
    assert not smtp_server.to("mallory@evil.example")
    # The new link works; the old one now says it was replaced.
    assert client.get(path_of(link_of(text_part(message)))).status_code == 200
    assert new_token != token
    assert "This invitation was replaced" in client.get(f"/activate/{token}/").content.decode()
    # The admins see it in the activity log, in words.
    event = AuditEvent.objects.get(action="invitation.renew")
    assert (event.actor_label, event.organization_id, event.target_id) == (
        "end user",
        account.organization_id,
        str(account.pk),
    )
    activity = login(alice).get("/activity/").content.decode()
    assert (
        "Jürgen Müller (jurgen@bank.example) asked for a new invitation (theirs had expired)"
        in activity
    )


def test_the_code_page_offers_renewal_once_the_code_proved_the_invitation(
    expired, client, smtp_server
):
    account, _token, code = expired(email="+447911123456")
    page = client.post("/activate/", {"contact": "+44 7911 123456", "code": code})
    assert page.status_code == 410
    text = page.content.decode()
    assert "Send me a new invitation" in text
    # The form carries the proof (contact and code), nothing else.
    assert f'name="code" value="{code}"' in text
    answer = client.post("/activate/", {"contact": "+44 7911 123456", "code": code, "renew": "1"})
    assert answer.status_code == 200 and "A new invitation is on its way" in answer.content.decode()
    assert Invitation.objects.filter(account=account, state="queued").count() == 1
    # A wrong code offers nothing and renews nothing.
    wrong = client.post(
        "/activate/", {"contact": "+44 7911 123456", "code": "00000000", "renew": "1"}
    )
    assert wrong.status_code == 400 and "Send me a new invitation" not in wrong.content.decode()
    assert AuditEvent.objects.filter(action="invitation.renew").count() == 1


def test_at_most_a_few_renewals_a_day_per_account(expired, client, smtp_server, settings):
    settings.INVITATION_RENEWALS_PER_DAY = 2
    account, token, _code = expired()
    for round_ in (1, 2):
        assert client.post(f"/activate/{token}/", {"renew": "1"}).status_code == 200
        _message, token = _renewed_email(smtp_server, account, 1 + round_)
        Invitation.objects.filter(account=account, state="sent").update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    answer = client.post(f"/activate/{token}/", {"renew": "1"})
    assert answer.status_code == 429
    assert "already requested several times today" in answer.content.decode()
    assert AuditEvent.objects.filter(action="invitation.renew").count() == 2
    assert not Invitation.objects.filter(account=account, state="queued").exists()


def test_an_organization_can_switch_it_off(expired, client, org_a, login, alice, smtp_server):
    response = login(alice).post(
        "/organizations/org-a/", {**_settings_form(org_a), "self_service_renewal": ""}
    )
    assert response.status_code in (302, 303)
    org_a.refresh_from_db()
    assert org_a.self_service_renewal is False
    _account, token, _code = expired()
    page = client.get(f"/activate/{token}/").content.decode()
    assert "Send me a new invitation" not in page and "ask your MultiLine administrator" in page
    refused = client.post(f"/activate/{token}/", {"renew": "1"})
    assert refused.status_code == 409
    assert not AuditEvent.objects.filter(action="invitation.renew").exists()


def test_the_api_renews_by_link_and_by_code(expired, client, api, alice, smtp_server):
    account, token, code = expired()
    assert client.post(f"/api/v1/activation/{token}/renew").status_code == 202
    _message, new_token = _renewed_email(smtp_server, account, 2)
    # Not expired: nothing to renew (409); unknown: gone (410), in the API's error shape.
    live = client.post(f"/api/v1/activation/{new_token}/renew")
    assert live.status_code == 409 and set(live.json()) == {"error", "fields", "code"}
    assert client.post("/api/v1/activation/no-such-link/renew").status_code == 410
    other, _token, other_code = expired(email="ada@bank.example")
    by_code = client.post(
        "/api/v1/activation/by-code/renew",
        {"contact": "ada@bank.example", "code": other_code},
        content_type="application/json",
    )
    assert by_code.status_code == 202 and "expires_at" in by_code.json()
    assert (
        api(alice).get("/api/v1/organizations/org-a").json()["settings"]["self_service_renewal"]
        is True
    )


def _settings_form(org) -> dict:
    """The organization's settings form as it is now (what the edit page would post back)."""
    from portal.organizations.forms import OrganizationSettingsForm

    form = OrganizationSettingsForm(user=None, organization=org)
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif value is not None:
            data[name] = value
    return data
