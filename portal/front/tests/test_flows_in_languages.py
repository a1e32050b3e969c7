"""Issue 11's flows in chromium, in English and in German: what an admin and an end user see,
with the texts taken from the same catalogs the portal uses (a German page that still shows the
English text fails). Screenshots go to test-results/<language>/ for review."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone, translation

from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.batches.tests import files
from portal.conftest import add_numbers
from portal.invitations.models import Invitation
from portal.invitations.tests.helpers import sent_invitation

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "de"]
SHOTS = Path("test-results")


def t(language: str, text: str) -> str:
    """`text` as the portal shows it in `language`; outside English it must be translated."""
    with translation.override(language):
        shown = translation.gettext(text)
    if language != "en":
        assert shown != text, f"{text!r} has no {language} translation"
    return shown


def shot(page, language: str, name: str) -> None:
    (SHOTS / language).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / language / f"{name}.png"), full_page=True)


@pytest.fixture(params=LANGUAGES)
def language(request):
    return request.param


@pytest.fixture
def admin_page(transactional_db, alice, org_a, group_a, browser_login, page, language):
    """Alice's browser, asking for `language` (she has not picked one in her profile)."""
    page.set_extra_http_headers({"Accept-Language": language})
    return browser_login("alice")


def test_add_account_keeps_what_was_typed_and_finds_a_number(
    admin_page, live_server, org_a, org_a_child, language
):
    page = admin_page
    add_numbers(org_a, [f"+4479111234{n:02d}" for n in range(40)])
    page.goto(f"{live_server.url}/accounts/add/?organization=org-a")
    assert page.get_by_role("heading", name=t(language, "Add Account")).first.is_visible()
    assert "+44 7911 123456" in page.content()  # the help's example is a valid number
    page.fill("#id_first_name", "Jürgen")
    page.fill("#id_email", "jurgen@bank.example")
    page.select_option("#id_organization", "org-a-branch")
    page.wait_for_load_state()
    assert page.locator("#id_first_name").input_value() == "Jürgen"
    page.select_option("#id_organization", "org-a")
    page.wait_for_load_state()
    assert page.locator("#id_email").input_value() == "jurgen@bank.example"
    page.get_by_role("link", name=t(language, "Assign Number")).click()
    page.get_by_label(t(language, "Find a number or tag")).fill("07911 1234 12")
    page.select_option("#id_assign", "number:+447911123412")
    shot(page, language, "add-account")
    page.get_by_role("button", name=t(language, "Save"), exact=True).click()
    page.wait_for_url(f"{live_server.url}/accounts/")
    assert Account.objects.get(email="jurgen@bank.example").number.e164 == "+447911123412"
    shot(page, language, "accounts-after-add")


def test_search_without_accents_and_sorting(admin_page, live_server, org_a, language):
    page = admin_page
    for first, email in (("Jürgen", "jurgen@bank.example"), ("Ada", "ada@bank.example")):
        account_add(actor=None, organization=org_a, data={"first_name": first, "email": email})
    page.goto(f"{live_server.url}/accounts/")
    page.get_by_label(t(language, "Search")).fill("Jurgen")
    page.get_by_role("button", name=t(language, "Filter")).click()
    page.wait_for_load_state()
    rows = page.locator("table.accounts tbody tr")
    assert rows.count() == 1 and "jurgen@bank.example" in rows.inner_text()
    shot(page, language, "accounts-search")
    page.goto(f"{live_server.url}/accounts/")
    page.locator("th a.sort").first.click()
    page.wait_for_load_state()
    assert page.locator("th[aria-sort=ascending]").count() == 1
    shot(page, language, "accounts-sorted")


def test_a_bad_filter_and_a_missing_page_keep_the_portal_around_them(
    admin_page, live_server, language
):
    page = admin_page
    page.goto(f"{live_server.url}/accounts/?status=bogus")
    assert page.locator(".msg.warning").count() == 1
    assert page.get_by_role("heading", name=t(language, "Accounts")).is_visible()
    shot(page, language, "accounts-bad-filter")
    page.goto(f"{live_server.url}/accounts/999999999/")
    back = page.get_by_role("link", name=t(language, "Back to the portal"))
    assert back.is_visible()
    shot(page, language, "not-found")
    back.click()
    page.wait_for_load_state()
    assert page.url.startswith(live_server.url) and "999999999" not in page.url


def test_multiple_accounts_template_first_then_the_report(
    admin_page, live_server, org_a, numbers_a, run_tasks, tmp_path, language
):
    page = admin_page
    page.goto(f"{live_server.url}/batches/upload/")
    template_link = page.get_by_role("link", name=t(language, "Download the CSV template"))
    with page.expect_download() as template:
        template_link.click()
    assert template.value.suggested_filename == "accounts-template.csv"
    shot(page, language, "multiple-accounts")
    path = tmp_path / "team.csv"
    path.write_bytes(
        files.excel_csv_semicolon_cp1252(
            [
                files.row(email="ann@example.com", multiline_number=numbers_a[0]),
                files.row(email="x"),
            ]
        )
    )
    page.select_option("#id_organization", label="Org A")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name=t(language, "Import"), exact=True).click()
    page.wait_for_url(re.compile(r".*/batches/\d+/$"))
    run_tasks()
    page.wait_for_selector("#report-link", state="visible", timeout=10_000)
    assert page.locator("#n-succeeded").inner_text() == "1"
    shot(page, language, "batch-report")
    with page.expect_download() as report:
        page.locator("#report-link").click()
    header = report.value.path().read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert header.count("multiline_number") <= 1 and "assigned_number" in header


def test_an_expired_invitation_is_renewed_by_the_end_user_in_their_language(
    transactional_db, alice, org_a, numbers_a, smtp_server, settings, page, live_server, language
):
    settings.PUBLIC_URL = live_server.url
    settings.INVITATION_RESEND_WINDOW = 0
    account = account_add(
        actor=alice,
        organization=org_a,
        invite=True,
        data={"first_name": "Jürgen", "email": "jurgen@bank.example", "language": language},
    )
    invitation, token, _code = sent_invitation(account)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    page.goto(f"{live_server.url}/activate/{token}/")
    assert page.get_by_role("heading", name=t(language, "This invitation has expired")).is_visible()
    shot(page, language, "invitation-expired")
    page.get_by_role("button", name=t(language, "Send me a new invitation")).click()
    page.wait_for_load_state()
    heading = t(language, "A new invitation is on its way")
    assert page.get_by_role("heading", name=heading).is_visible()
    shot(page, language, "invitation-renewed")
    sent_invitation(account)
    smtp_server.wait_for(2)
    assert len(smtp_server.to("jurgen@bank.example")) == 2


def test_the_alerts_setup_says_who_gets_the_batch_summary(admin_page, live_server, language):
    page = admin_page
    page.goto(f"{live_server.url}/alerts/setup/")
    assert page.get_by_role("heading", name=re.compile(t(language, "Alerts"))).first.is_visible()
    assert "alice" in page.content()
    shot(page, language, "alerts-setup")
