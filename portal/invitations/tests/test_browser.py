"""The end user, in chromium: opens the invitation's link, picks a number, sees the confirmation."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.accounts.services import account_add
from portal.invitations.tests.helpers import link_of
from portal.organizations.services import organization_update


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


RESULTS = Path(__file__).resolve().parents[3] / "test-results" / "i18n"

HEADINGS = {
    "de": ("MultiLine aktivieren", "MultiLine ist aktiv", "Willkommen, Jürgen."),
    "it": ("Attivi MultiLine", "MultiLine è attivo", "Buongiorno, Jürgen."),
}


@pytest.mark.browser
@pytest.mark.parametrize("language", ["de", "it"])
def test_the_end_user_activates_in_the_accounts_language(
    language,
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
    """The account's language, not the browser's (chromium asks for English here)."""
    settings.PUBLIC_URL = live_server.url
    organization_update(actor=alice, organization=org_a, time_zone="Europe/Rome")
    with django_capture_on_commit_callbacks(execute=True):
        account_add(
            actor=alice,
            organization=org_a,
            data={"email": "jurgen@example.com", "firstname": "Jürgen", "language": language},
            invite=True,
        )
    run_tasks()
    [message] = mailoutbox
    title, done, welcome = HEADINGS[language]
    page.goto(link_of(message.body))
    assert page.get_by_role("heading", name=title).is_visible()
    assert page.get_by_text(welcome).is_visible()
    assert page.locator("html").get_attribute("lang") == language
    expiry = page.locator("p.help").last.inner_text()
    assert " CET" in expiry or " CEST" in expiry, expiry
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / f"activation-{language}.png"), full_page=True)
    page.get_by_label(numbers_a[2]).check()
    page.locator("button[name=activate]").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=done).is_visible()
    page.screenshot(path=str(RESULTS / f"activated-{language}.png"), full_page=True)


@pytest.mark.browser
def test_an_admin_switches_the_portal_to_italian(live_server, page, alice, browser_login):
    browser_login("alice")
    page.goto(f"{live_server.url}/invitations/")
    page.get_by_role("link", name="alice").click()
    page.wait_for_load_state()
    page.select_option("#id_language", "it")
    page.select_option("#id_time_zone", "Europe/Rome")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Preferenze").is_visible()
    assert page.get_by_text("Le Sue preferenze sono state salvate.").is_visible()
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / "preferences-it.png"), full_page=True)
    page.goto(f"{live_server.url}/invitations/")
    assert page.get_by_role("heading", name="Configurazione · Modelli di invito").is_visible()
    page.screenshot(path=str(RESULTS / "invitation-templates-it.png"), full_page=True)
