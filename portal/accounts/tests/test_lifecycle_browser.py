"""In a real browser: the Move button is disabled for a destination short of numbers, with the
article's message on hover; a destination with enough numbers moves the selection."""

from __future__ import annotations

import pytest

from portal.accounts.lifecycle import MOVE_REFUSED
from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.conftest import add_numbers
from portal.organizations.services import organization_create


@pytest.mark.browser
def test_the_move_button_is_disabled_with_the_message_on_hover(
    transactional_db, operator, org_a, org_b, numbers_b, browser_login, live_server
):
    org_c = organization_create(actor=None, name="Org C", slug="org-c", features=["voice_calling"])
    add_numbers(org_c, ["+33123456700"])  # one number for three pending accounts: too few
    ids = [
        account_add(
            actor=None,
            organization=org_a,
            data={"email": f"m{i}@example.com", "first_name": f"Mover{i}"},
        ).pk
        for i in range(3)
    ]
    Account.objects.filter(pk__in=ids).update(status=AccountStatus.INVITED)

    page = browser_login("operator", "Operator-pass-1")
    page.goto(f"{live_server.url}/accounts/?organization=org-a")
    for pk in ids:
        page.check(f'#bulk input[name="ids"][value="{pk}"]')
    page.click("#move-selected")
    page.wait_for_selector("#destination")
    assert "The 3 selected accounts" in page.inner_text("#selection-count")

    button = page.locator("#move-button")
    page.select_option("#destination", "org-c")
    assert button.is_disabled()
    assert button.get_attribute("title") == MOVE_REFUSED
    page.hover("#move-wrap")
    assert page.locator("#move-wrap").get_attribute("title") == MOVE_REFUSED
    assert page.inner_text("#move-message") == MOVE_REFUSED

    page.select_option("#destination", "org-b")
    assert button.is_enabled()
    assert not button.get_attribute("title")
    assert not page.locator("#move-message").is_visible()
    button.click()
    page.wait_for_selector("#done-count")
    assert page.inner_text("#done-count") == "3"
    assert Account.objects.filter(organization__slug="org-b").count() == 3
