"""In chromium: an admin enrols an authenticator app (QR code, key, confirm), signs out, and signs
in again with a password and a code it computes like an app; no CSP violation on the way."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.signin.tests.test_second_factor import code

RESULTS = Path(__file__).resolve().parents[3] / "test-results" / "signin"


@pytest.mark.browser
def test_sign_in_with_an_authenticator_app(transactional_db, alice, browser_login, live_server):
    from base64 import b32decode

    page = browser_login("alice")
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{live_server.url}/signin/two-factor/")
    page.click("text=Add an authenticator app")
    page.wait_for_selector("img.qr")
    assert page.eval_on_selector("img.qr", "img => img.naturalWidth") > 100  # The QR code shows.
    shown = page.inner_text("#totp-key").replace(" ", "")
    key = b32decode(shown + "=" * (-len(shown) % 8))
    page.fill("#id_token", code(key))
    page.click("button:has-text('Confirm')")
    page.wait_for_load_state()
    assert "Your authenticator app is set up" in page.content()
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.click("button:has-text('Log out')")
    page.wait_for_load_state()

    browser_login("alice")
    assert "/signin/verify/" in page.url and "Confirm it is you" in page.content()
    page.screenshot(path=str(RESULTS / "verify.png"))
    page.fill("#id_token", code(key, 1))
    page.click("button:has-text('Continue')")
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith("/accounts") and "Accounts" in page.title()
    assert violations == []
