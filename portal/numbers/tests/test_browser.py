"""In a real browser: the operator pastes numbers into org A's inventory, then alice reserves one
from the Numbers screen (organizations reserve and allocate; numbers come from the operator)."""

from __future__ import annotations

import pytest

from portal.numbers.models import Number


@pytest.mark.browser
def test_it_adds_numbers_and_reserves_one(
    transactional_db, operator, alice, org_a, browser_login, live_server
):
    page = browser_login("operator", "Operator-pass-1")
    page.goto(f"{live_server.url}/numbers/")
    page.get_by_role("link", name="Add numbers").first.click()
    page.select_option("#id_organization", "org-a")
    page.fill("#id_tags", "ported")
    page.fill("#id_numbers", "+1 212 555 0140\n+1 212 555 0141\nnot a number")
    page.get_by_role("button", name="Add numbers").click()
    results = page.locator("#results").inner_text()
    assert "+12125550140" in results and "invalid" in results

    page.get_by_role("button", name="Log out").click()
    browser_login("alice")
    page.goto(f"{live_server.url}/numbers/?tag=PORTED")
    page.get_by_label("Select +12125550141").check()
    page.fill("#reserved_for", "CFO office")
    page.get_by_role("button", name="Reserve", exact=True).click()
    page.wait_for_load_state()
    assert "Reserved 1 number." in page.get_by_role("status").first.inner_text()
    row = page.locator("tbody tr", has_text="+12125550141")
    assert "Reserved" in row.inner_text() and "CFO office" in row.inner_text()
    assert Number.objects.get(e164="+12125550141").status == "reserved"
