"""The SCIM page in chromium: issue a token, see it once, revoke it."""

import os

import pytest

from portal.scim.models import ScimToken

pytestmark = pytest.mark.browser


def test_an_admin_issues_and_revokes_a_scim_token(alice, org_a, browser_login, live_server):
    page = browser_login("alice")
    page.click("text=SCIM")
    page.select_option("#id_organization", "org-a")
    page.fill("#id_name", "Entra ID")
    page.click("text=Issue token")
    page.wait_for_selector("#new-token")
    raw = page.text_content("#new-token .token").strip()
    assert raw.startswith("scim_")
    os.makedirs("test-results", exist_ok=True)
    page.screenshot(path="test-results/scim-tokens.png", full_page=True)

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Revoke')")
    page.wait_for_selector("text=Revoked the SCIM token")
    assert ScimToken.objects.get().revoked_at is not None
    page.reload()
    assert raw not in page.content()
