"""In a real browser: the bulk buttons are disabled until accounts are ticked (or "All N matching"
is chosen); "All N matching" shows N and asks to confirm; Delete of all matching needs N typed;
the results page reloads without repeating anything. Screenshots go to test-results/."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add

SHOTS = Path(__file__).resolve().parents[3] / "test-results"
BUTTONS = (
    "#resend-selected",
    "#move-selected",
    "#edit-selected",
    "#suspend-selected",
    "#reactivate-selected",
    "#delete-selected",
)


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"bulk-{name}.png"), full_page=True)


def disabled(page) -> list[bool]:
    return [page.locator(selector).is_disabled() for selector in BUTTONS]


@pytest.mark.browser
def test_bulk_buttons_follow_the_selection_and_all_matching_is_confirmed(
    transactional_db, alice, org_a, browser_login, live_server
):
    ids = [
        account_add(
            actor=alice,
            organization=org_a,
            data={"email": f"b{i}@example.com", "first_name": f"Bulk{i}"},
        ).pk
        for i in range(3)
    ]
    page = browser_login("alice")
    page.goto(f"{live_server.url}/accounts/?organization=org-a")
    assert disabled(page) == [True] * len(BUTTONS)
    assert page.inner_text("#selection-state") == "No account selected"
    shot(page, "1-nothing-ticked")

    page.check(f'#bulk input[name="ids"][value="{ids[0]}"]')
    assert disabled(page) == [False] * len(BUTTONS)
    assert page.inner_text("#selection-state") == "1 selected"
    shot(page, "2-one-ticked")
    page.uncheck(f'#bulk input[name="ids"][value="{ids[0]}"]')
    assert disabled(page) == [True] * len(BUTTONS)

    page.check("#all-matching")
    assert disabled(page) == [False] * len(BUTTONS)
    assert page.inner_text("#selection-state") == "All 3 matching accounts chosen"
    page.click("#suspend-selected")
    page.wait_for_selector("#confirm-button")
    assert "All 3 accounts matching organization org-a" in page.inner_text("#selection-count")
    assert page.inner_text("#confirm-button") == "Suspend all 3 accounts"
    shot(page, "3-suspend-all-matching-confirm")
    assert Account.objects.filter(status=AccountStatus.SUSPENDED).count() == 0
    page.click("#confirm-button")
    page.wait_for_selector("#done-count")
    assert page.inner_text("#done-count") == "3"
    assert Account.objects.filter(status=AccountStatus.SUSPENDED).count() == 3

    page.goto(f"{live_server.url}/accounts/?organization=org-a")
    page.check("#all-matching")
    page.click("#delete-selected")
    page.wait_for_selector("#typed-count")
    button = page.locator("#confirm-button")
    assert button.is_disabled()
    page.fill("#typed-count", "2")
    assert button.is_disabled()
    shot(page, "4-delete-wrong-count")
    page.fill("#typed-count", "3")
    assert button.is_enabled()
    shot(page, "5-delete-count-typed")
    button.click()
    page.wait_for_selector("#done-count")
    assert page.inner_text("#done-count") == "3"
    assert Account.objects.count() == 0
    results_url = page.url
    page.reload()
    assert page.url == results_url and page.inner_text("#done-count") == "3"
    shot(page, "6-delete-results-reloaded")
