"""In a real browser asking for German: the Multiple Accounts tab's script picks the default group
and says which template the link gives, in German (its words come from the page)."""

from __future__ import annotations

import pytest


@pytest.mark.browser
def test_the_upload_script_writes_german(
    transactional_db, alice, org_a, group_a, browser_login, live_server
):
    page = browser_login("alice")
    page.set_extra_http_headers({"Accept-Language": "de"})
    page.goto(f"{live_server.url}/batches/upload/")
    help_text = page.locator("#template-help")
    assert help_text.inner_text().startswith("Alle Spalten;")
    page.select_option("#id_organization", label="Org A")
    assert page.locator("#id_permission_group").input_value() == str(group_a.pk)
    assert (
        help_text.inner_text() == f"Die Vorlage von Org A, Benutzerberechtigungen {group_a.name}."
    )
