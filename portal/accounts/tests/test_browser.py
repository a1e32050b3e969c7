"""In a real browser: alice adds an account with a number, with Save, and finds it in the list."""

from __future__ import annotations

import pytest

from portal.accounts.models import Account


@pytest.mark.browser
def test_it_adds_an_account_with_save_and_lists_it(
    transactional_db, alice, org_a, numbers_a, browser_login, live_server
):
    page = browser_login("alice")
    page.goto(f"{live_server.url}/accounts/")
    page.get_by_role("link", name="Add Account").click()
    page.fill("#id_first_name", "Grace")
    page.fill("#id_last_name", "Hopper")
    page.fill("#id_email", "grace@example.com")
    page.get_by_role("link", name="Assign Number").click()
    page.select_option("#id_assign", f"number:{numbers_a[2]}")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{live_server.url}/accounts/")

    assert page.get_by_role("status").inner_text() == "Account added."
    row = page.locator("table.accounts tbody tr", has_text="grace@example.com")
    assert row.count() == 1
    assert "Grace Hopper" in row.inner_text()
    assert numbers_a[2] in row.inner_text()
    assert "Not invited" in row.inner_text()
    assert Account.objects.get(email="grace@example.com").number.e164 == numbers_a[2]
