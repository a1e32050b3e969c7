"""Every answer carries the security headers; answers with personal data are never cached."""

from __future__ import annotations

import pytest

from portal.accounts.services import account_add
from portal.invitations.tests.helpers import sent_invitation

NO_STORE = "no-store"


def assert_secure_headers(response):
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no nonce, no other origin
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in permissions
    assert NO_STORE in response["Cache-Control"]


@pytest.fixture
def invitation_token(alice, org_a, numbers_a, mailoutbox):
    account = account_add(
        actor=alice, organization=org_a, data={"email": "user@example.com"}, invite=True
    )
    return sent_invitation(account)[1]


def test_it_sends_them_on_a_portal_page(login, alice):
    response = login(alice).get("/accounts/")
    assert response.status_code == 200
    assert_secure_headers(response)


def test_it_sends_them_on_the_sign_in_page(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert_secure_headers(response)


def test_it_sends_them_on_an_api_answer(api, alice):
    response = api(alice).get("/api/v1/accounts")
    assert response.status_code == 200
    assert_secure_headers(response)


def test_it_sends_them_on_an_export(login, alice, invitation_token):
    response = login(alice).get("/accounts/export.csv")
    assert response.status_code == 200
    assert (
        b"user@example.com" in b"".join(response.streaming_content)
        if response.streaming
        else b"user@example.com" in response.content
    )
    assert_secure_headers(response)


def test_it_sends_them_on_the_activation_pages(client, invitation_token):
    for path in (
        f"/activate/{invitation_token}/",
        "/activate/",
        f"/api/v1/activation/{invitation_token}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secure_headers(response)


def test_it_sends_hsts_when_served_over_https(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/login/").status_code == 301  # plain HTTP goes to HTTPS
    response = client.get("/login/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_the_template_editor_alone_allows_inline_style_for_the_email_preview(login, alice, org_a):
    page = login(alice).get(f"/invitations/templates/{org_a.slug}/en/email/")
    assert page.status_code == 200
    csp = page["Content-Security-Policy"]
    directives = {part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";")}
    assert directives["style-src"] == "style-src 'self' 'unsafe-inline'"
    assert directives["script-src"] == "script-src 'self'"  # Still no inline script.
