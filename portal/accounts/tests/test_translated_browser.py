"""In a real browser asking for German: what the Accounts screens' scripts write (the selection
state, the number picker's count) is German too, since the scripts take it from the page."""

from __future__ import annotations

import pytest

from portal.accounts.services import account_add
from portal.conftest import add_numbers


@pytest.mark.browser
def test_the_scripts_write_german(
    transactional_db, alice, org_a, group_a, browser_login, live_server
):
    ids = [
        account_add(actor=alice, organization=org_a, data={"email": f"d{i}@example.com"}).pk
        for i in range(2)
    ]
    add_numbers(org_a, [f"+4479111234{n:02d}" for n in range(12)])
    page = browser_login("alice")
    page.set_extra_http_headers({"Accept-Language": "de"})
    page.goto(f"{live_server.url}/accounts/?organization=org-a")
    assert page.inner_text("#selection-state") == "Kein Konto ausgewählt"
    page.check(f'#bulk input[name="ids"][value="{ids[0]}"]')
    assert page.inner_text("#selection-state") == "1 ausgewählt"
    page.uncheck(f'#bulk input[name="ids"][value="{ids[0]}"]')
    page.check("#all-matching")
    assert page.inner_text("#selection-state") == "Alle 2 passenden Konten gewählt"

    page.goto(f"{live_server.url}/accounts/add/?organization=org-a")
    page.get_by_role("link", name="Nummer zuweisen").click()
    page.get_by_label("Nummer oder Tag suchen").fill("07911 1234 0")
    assert page.locator("#number-filter-status").inner_text() == "10 Treffer"
    page.get_by_label("Nummer oder Tag suchen").fill("07911 1234 11")
    assert page.locator("#number-filter-status").inner_text() == "1 Treffer"
