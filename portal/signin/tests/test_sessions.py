"""Idle timeout and absolute session limit (the session's own timestamps are moved back, no
sleeping); cookie flags and HSTS when the portal is served over HTTPS."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from portal.signin import sessions
from portal.signin.tests.conftest import sign_in


def _age(client, key: str, seconds: int) -> None:
    session = client.session
    session[key] -= seconds
    session.save()


@pytest.mark.parametrize(
    "key, seconds, words",
    [
        (sessions.SEEN_AT, 30 * 60, "after 30 minutes without activity"),
        (sessions.SIGNED_IN_AT, 12 * 3600, "sessions last at most 12 hours"),
    ],
)
def test_a_session_ends_when_idle_or_too_old(alice, key, seconds, words):
    client = Client()
    sign_in(client, "alice")
    assert client.get("/accounts/").status_code == 200
    _age(client, key, seconds - 5)
    assert client.get("/accounts/").status_code == 200  # Not yet (and the use is noted).
    _age(client, key, seconds if key == sessions.SEEN_AT else 10)
    out = client.get("/accounts/?status=active")
    assert out.status_code == 302 and out["Location"].startswith("/login/?next=")
    page = client.get(out["Location"]).content.decode()
    assert words in page and "Log in" in page
    assert "_auth_user_id" not in client.session
    assert client.get("/accounts/").status_code == 302


def test_activity_keeps_a_session_alive_until_the_absolute_limit(alice):
    client = Client()
    sign_in(client, "alice")
    for _ in range(3):  # Three times 20 minutes apart: never idle for 30.
        _age(client, sessions.SEEN_AT, 20 * 60)
        _age(client, sessions.SIGNED_IN_AT, 20 * 60)
        assert client.get("/accounts/").status_code == 200


def test_the_limits_are_settings(alice, settings):
    settings.SESSION_IDLE_TIMEOUT = 120
    client = Client()
    sign_in(client, "alice")
    _age(client, sessions.SEEN_AT, 121)
    out = client.get("/accounts/")
    assert "after 2 minutes without activity" in client.get(out["Location"]).content.decode()


def test_api_tokens_know_no_session_limits(alice, api):
    client = api(alice)
    assert client.get("/api/v1/organizations").status_code == 200


HTTPS_ENV = {
    "PUBLIC_URL": "https://portal.example.com",
    "ALLOWED_HOSTS": "portal.example.com",
    "SECRET_KEY": "x" * 60,
    "DEBUG": "false",
}
NAMES = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_NAME",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_AGE",
    "SESSION_IDLE_TIMEOUT",
    "SESSION_ABSOLUTE_TIMEOUT",
)


def settings_under(tmp_path, **environment) -> dict:
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {NAMES!r}}}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "DATABASE_URL"}}
    env.update(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="portal.settings", **environment)
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_https_settings_give_secure_host_only_cookies_and_hsts(tmp_path):
    https = settings_under(
        tmp_path, **HTTPS_ENV, SESSION_IDLE_TIMEOUT="900", SESSION_ABSOLUTE_TIMEOUT="28800"
    )
    assert https == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_AGE": 28800,
        "SESSION_IDLE_TIMEOUT": 900,
        "SESSION_ABSOLUTE_TIMEOUT": 28800,
    }
    plain = settings_under(tmp_path, PUBLIC_URL="http://127.0.0.1:8000")
    assert plain["SESSION_COOKIE_SECURE"] is False and plain["SESSION_COOKIE_NAME"] == "sessionid"
    assert (plain["SESSION_IDLE_TIMEOUT"], plain["SESSION_ABSOLUTE_TIMEOUT"]) == (1800, 43200)


def test_the_cookies_a_sign_in_sets_over_https(alice, settings, tmp_path):
    https = settings_under(tmp_path, **HTTPS_ENV)
    for name in NAMES:
        setattr(settings, name, https[name])
    settings.SECURE_SSL_REDIRECT = False
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/", secure=True)
    csrf = page.cookies["__Host-csrftoken"]
    assert (
        csrf["secure"] and csrf["samesite"] == "Lax" and csrf["path"] == "/" and not csrf["domain"]
    )
    token = page.context["csrf_token"]
    signed = client.post(
        "/login/",
        {"username": "alice", "password": "Correct-horse-9", "csrfmiddlewaretoken": token},
        secure=True,
        headers={"Referer": "https://testserver/login/"},
    )
    assert signed.status_code == 302
    cookie = signed.cookies["__Host-sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/" and not cookie["domain"] and cookie["max-age"] == 43200
    assert "Strict-Transport-Security" in client.get("/accounts/", secure=True)


def test_the_policy_costs_no_query_per_page(alice, settings):
    """The steps are decided at sign-in and kept in the session: a page asks nothing of the
    sign-in tables (lockouts, password states, second-factor devices)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    sign_in(client, "alice")
    client.get("/accounts/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/accounts/").status_code == 200
    tables = ("signin_", "otp_", "axes_")
    assert [q["sql"] for q in queries if any(t in q["sql"] for t in tables)] == []
