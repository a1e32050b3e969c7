"""Second factor (django-otp): an authenticator app (TOTP) or a code by email, enrolled by the
admin; an organization can require one of its admins; a device, once there, is asked for at
every sign-in. API tokens are not affected."""

from __future__ import annotations

import re
import time
from base64 import b32decode

from django.test import Client
from django_otp.oath import totp

from portal.signin.tests.conftest import events, sign_in


def key_from(page: str) -> bytes:
    """The key the enrolment page shows for typing into an app (base32, in groups of 4)."""
    shown = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    return b32decode(shown + "=" * (-len(shown) % 8))


def code(key: bytes, ahead: int = 0) -> str:
    """What an authenticator app shows now (`ahead` steps of 30 s later)."""
    return f"{totp(key, step=30, t0=0, digits=6, drift=ahead):06d}"


def enrol_app(client) -> bytes:
    page = client.get("/signin/two-factor/app/")
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.content.decode()
    key = key_from(page.content.decode())
    wrong = client.post(
        "/signin/two-factor/app/", {"token": "000000" if code(key) != "000000" else "111111"}
    )
    assert "That code is not right" in wrong.content.decode()
    throttled = client.post("/signin/two-factor/app/", {"token": code(key)})
    assert "Too many wrong codes: wait a few seconds" in throttled.content.decode()
    time.sleep(1.1)  # django-otp's wait after one wrong code.
    done = client.post("/signin/two-factor/app/", {"token": code(key)})
    assert done.status_code == 302
    return key


def test_an_admin_enrols_an_app_then_every_sign_in_asks_for_its_code(alice, org_a):
    client = Client()
    sign_in(client, "alice")
    key = enrol_app(client)
    assert client.get("/accounts/").status_code == 200  # Enrolling verified this session.
    [added] = events("signin.second_factor_added")
    assert added.data == {"method": "authenticator app"} and added.organization == org_a

    again = Client()
    assert sign_in(again, "alice").status_code == 302
    landing = again.get("/accounts/?status=active")
    assert landing.status_code == 302 and landing["Location"].startswith("/signin/verify/")
    assert again.get("/numbers/")["Location"].startswith("/signin/verify/")
    wrong = again.post(
        "/signin/verify/",
        {
            "token": "123456" if code(key, 1) != "123456" else "654321",
            "next": "/accounts/?status=active",
        },
    )
    assert "That code is not right" in wrong.content.decode()
    assert events("signin.second_factor_failed")[0].target_label == "alice"
    time.sleep(1.1)
    ok = again.post("/signin/verify/", {"token": code(key, 1), "next": "/accounts/?status=active"})
    assert ok.status_code == 302 and ok["Location"] == "/accounts/?status=active"
    assert again.get("/numbers/").status_code == 200
    assert events("signin.second_factor_verified")[0].actor_label == "alice"


def test_a_code_by_email_through_the_real_mail_server(alice, smtp_server):
    client = Client()
    sign_in(client, "alice")
    client.post("/signin/two-factor/email/", {"send": "1"})
    [message] = smtp_server.wait_for(1)
    assert "alice@example.com" in message["To"]
    pin = re.search(r"code is (\d{6})", message.get_body(("plain",)).get_content()).group(1)
    done = client.post("/signin/two-factor/email/", {"token": pin})
    assert done.status_code == 302
    assert events("signin.second_factor_added")[0].data == {"method": "email"}

    again = Client()
    sign_in(again, "alice")
    assert again.get("/accounts/")["Location"].startswith("/signin/verify/")
    page = again.get("/signin/verify/").content.decode()
    assert "Email me a code" in page
    from django_otp.plugins.otp_email.models import EmailDevice

    EmailDevice.objects.update(last_generated_timestamp=None)  # Past its 60 s between codes.
    again.post("/signin/verify/", {"send": "1"})
    second = smtp_server.wait_for(2)[1]
    pin = re.search(r"code is (\d{6})", second.get_body(("plain",)).get_content()).group(1)
    assert again.post("/signin/verify/", {"token": pin}).status_code == 302
    assert again.get("/accounts/").status_code == 200


def test_an_organization_that_requires_it_sends_its_admins_to_enrol(alice, operator, login, api):
    edit = login(alice).get("/organizations/org-a/").content.decode()
    assert "Admins must sign in with a second factor" in edit
    from portal.organizations.models import Organization
    from portal.organizations.services import organization_update

    organization_update(
        actor=operator,
        organization=Organization.objects.get(slug="org-a"),
        require_second_factor=True,
    )
    client = Client()
    sign_in(client, "alice")
    landing = client.get("/accounts/")
    assert landing.status_code == 302 and landing["Location"].startswith("/signin/two-factor/")
    assert (
        "Your organization requires a second factor"
        in client.get(landing["Location"]).content.decode()
    )
    assert api(alice).get("/api/v1/organizations").status_code == 200  # Tokens go on working.
    enrol_app(client)
    assert client.get("/accounts/").status_code == 200
    remove = re.search(
        r'action="(/signin/two-factor/totp/\d+/remove/)"',
        client.get("/signin/two-factor/").content.decode(),
    ).group(1)
    refused = client.post(remove, follow=True).content.decode()
    assert "add another one before removing this one" in refused  # The last one stays.
    assert events("signin.second_factor_reset") == []


def test_the_setting_is_in_the_portal_form_and_the_api(alice, login, api):
    client = login(alice)
    page = client.get("/organizations/org-a/")
    form = {k: v for k, v in page.context["form"].initial.items() if v not in (None, False)}
    form.update(
        require_second_factor="on",
        features=page.context["form"].initial["features"],
        report_recipients=[],
    )
    form.pop("report_recipients")
    saved = client.post("/organizations/org-a/", form)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    token = api(alice)
    assert (
        token.get("/api/v1/organizations/org-a").json()["settings"]["require_second_factor"] is True
    )
    off = token.patch(
        "/api/v1/organizations/org-a",
        {"require_second_factor": False},
        content_type="application/json",
    )
    assert off.status_code == 200 and off.json()["settings"]["require_second_factor"] is False
    [first, second] = events("organization.update")[-2:]
    assert first.data["require_second_factor"] == [False, True]


def test_operators_may_enrol_and_are_then_asked(operator):
    client = Client()
    sign_in(client, "operator", "Operator-pass-1")
    assert client.get("/accounts/").status_code == 200  # Not required of them.
    key = enrol_app(client)
    again = Client()
    sign_in(again, "operator", "Operator-pass-1")
    assert again.get("/accounts/")["Location"].startswith("/signin/verify/")
    assert again.post("/signin/verify/", {"token": code(key, 1)}).status_code == 302


def test_an_operator_removes_a_lost_second_factor_from_the_command_line(alice):
    from io import StringIO

    from django.core.management import call_command

    client = Client()
    sign_in(client, "alice")
    enrol_app(client)
    out = StringIO()
    call_command("reset_second_factor", "alice", stdout=out)
    assert "Removed 1 second factor(s) of alice" in out.getvalue()
    again = Client()
    sign_in(again, "alice")
    assert again.get("/accounts/").status_code == 200  # No code asked any more.
    [event] = events("signin.second_factor_reset")
    assert event.target_label == "alice" and event.via == "cli"
