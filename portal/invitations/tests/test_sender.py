"""Invitations in the customer's own name: sender name and address (on a domain the operator
allows), Reply-To, a Message-ID on the portal's domain, and an optional DKIM signature — read
from the messages a real SMTP server receives."""

from __future__ import annotations

import base64
import json
import subprocess

import dkim
import pytest

from portal.accounts.services import account_add
from portal.invitations.tests.helpers import sent_invitation


def _invite(alice, org, email="jurgen@bank.example"):
    account = account_add(actor=alice, organization=org, invite=True, data={"email": email})
    sent_invitation(account)
    return account


def test_by_default_the_invitation_comes_from_the_organization_by_name(
    alice, org_a, numbers_a, smtp_server, settings
):
    settings.MESSAGE_ID_DOMAIN = "portal.bank.example"
    _invite(alice, org_a)
    [message] = smtp_server.wait_for(1)
    assert message["From"] == "Org A <no-reply@multiline.test>"
    assert message["Reply-To"] is None
    assert message["Message-ID"].endswith("@portal.bank.example>")
    assert "localhost" not in message["Message-ID"]


def test_an_organization_sends_in_its_own_name_with_its_reply_to(
    alice, org_a, numbers_a, smtp_server, settings, api
):
    settings.SENDER_DOMAINS = ["bank.example"]
    answer = api(alice).patch(
        "/api/v1/organizations/org-a",
        json.dumps(
            {
                "sender_name": "Bank IT Onboarding",
                "sender_email": "onboarding@bank.example",
                "reply_to": "servicedesk@bank.example",
            }
        ),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["settings"]["sender_email"] == "onboarding@bank.example"
    _invite(alice, org_a)
    [message] = smtp_server.wait_for(1)
    assert message["From"] == "Bank IT Onboarding <onboarding@bank.example>"
    assert message["Reply-To"] == "servicedesk@bank.example"
    assert smtp_server.envelopes[0].mail_from == "onboarding@bank.example"


def test_a_sender_address_outside_the_allowed_domains_is_refused(
    alice, org_a, settings, api, login
):
    settings.SENDER_DOMAINS = ["bank.example"]
    answer = api(alice).patch(
        "/api/v1/organizations/org-a",
        json.dumps({"sender_email": "ceo@gmail.com"}),
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert answer.json()["fields"] == {"sender_email": ["domain not allowed: gmail.com"]}
    org_a.refresh_from_db()
    assert org_a.sender_email == ""


@pytest.fixture
def dkim_key(tmp_path, settings):
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    der = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    settings.DKIM_KEY_FILE, settings.DKIM_SELECTOR, settings.DKIM_DOMAIN = (
        str(key),
        "ml2026",
        "bank.example",
    )
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def test_with_a_key_every_invitation_is_dkim_signed(alice, org_a, numbers_a, smtp_server, dkim_key):
    _invite(alice, org_a)
    smtp_server.wait_for(1)
    raw = smtp_server.envelopes[0].original_content
    assert b"DKIM-Signature:" in raw and b"d=bank.example" in raw and b"s=ml2026" in raw

    def dns(name, timeout=5):
        return dkim_key if name == b"ml2026._domainkey.bank.example." else b""

    assert dkim.verify(raw, dnsfunc=dns)
    assert not dkim.verify(raw.replace(b"Org A", b"Org B", 1), dnsfunc=dns)
