"""The end user, in chromium: opens the invitation's link, picks a number, sees the confirmation."""

from __future__ import annotations

import pytest

from portal.accounts.services import account_add
from portal.invitations.tests.helpers import link_of


@pytest.mark.browser
def test_it_activates_multiline_from_the_link_in_a_browser(
    live_server,
    page,
    alice,
    org_a,
    numbers_a,
    settings,
    mailoutbox,
    run_tasks,
    django_capture_on_commit_callbacks,
):
    settings.PUBLIC_URL = live_server.url
    with django_capture_on_commit_callbacks(execute=True):
        account = account_add(
            actor=alice,
            organization=org_a,
            data={"email": "ines@example.com", "firstname": "Inès"},
            invite=True,
        )
    run_tasks()
    [message] = mailoutbox
    link = link_of(message.body)

    page.goto(link)
    assert page.get_by_role("heading", name="Activate MultiLine").is_visible()
    assert page.get_by_text("Welcome, Inès.").is_visible()
    page.get_by_label(numbers_a[1]).check()
    page.get_by_role("button", name="Activate MultiLine").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="MultiLine is active").is_visible()
    assert page.locator("#activated-number").inner_text() == numbers_a[1]

    account.refresh_from_db()
    assert account.status == "active" and account.number.e164 == numbers_a[1]
    page.goto(link)
    assert page.get_by_role("heading", name="This invitation was already used").is_visible()
