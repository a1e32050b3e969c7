"""In a real browser, under the Content-Security-Policy: the main pages work and nothing is refused.

Chromium reports every refused script, style or handler on the console and as a
`securitypolicyviolation` event; both are collected for every page. Screenshots go to
test-results/csp/ for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.accounts.services import account_add
from portal.batches.tests import files
from portal.invitations.tests.helpers import sent_invitation

SHOTS = Path(__file__).resolve().parents[3] / "test-results" / "csp"
WATCH = """document.addEventListener("securitypolicyviolation", function (e) {
  (window.__csp = window.__csp || []).push(e.violatedDirective + " " + e.blockedURI);
});"""


class Watched:
    def __init__(self, page):
        self.page = page
        self.console = []
        page.add_init_script(WATCH)
        page.on(
            "console",
            lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None,
        )

    def check(self, name: str):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        events = self.page.evaluate("window.__csp || []")
        assert (self.console, events) == ([], []), name


@pytest.mark.browser
def test_the_main_pages_work_with_no_csp_violation(
    transactional_db,
    alice,
    org_a,
    group_a,
    numbers_a,
    page,
    live_server,
    run_tasks,
    tmp_path,
    mailoutbox,
):
    watched = Watched(page)
    url = live_server.url
    page.goto(f"{url}/login/")
    watched.check("login")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "Correct-horse-9")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    account = account_add(
        actor=alice, organization=org_a, data={"email": "ann@example.com"}, invite=True
    )
    _invitation, token, _code = sent_invitation(account)
    page.goto(f"{url}/accounts/")
    page.check("#select-all")  # accounts/list.js ticks every row
    assert page.locator('#bulk input[name="ids"]').first.is_checked()
    watched.check("accounts")

    page.goto(f"{url}/accounts/add/")
    social = page.locator("#id_social_messaging")
    restrict = page.locator("#id_restrict_incoming_social_messaging")
    if social.is_checked():
        social.uncheck()
    assert restrict.is_disabled()  # accounts/add.js follows the social messaging toggle
    social.check()
    assert restrict.is_enabled()
    page.get_by_role("link", name="Assign Number").click()
    assert page.locator("#id_assign").is_visible()
    watched.check("add-account")

    path = tmp_path / "team.csv"
    path.write_bytes(files.excel_csv_semicolon_cp1252([files.row(email="bea@example.com")]))
    page.goto(f"{url}/batches/upload/")
    page.select_option("#id_organization", label="Org A")
    assert "organization=org-a" in page.locator("#template-link").get_attribute("href")  # upload.js
    watched.check("upload")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r".*/batches/\d+/$"))  # the batch, not /batches/upload/
    run_tasks()  # batches/detail.js polls and shows the outcome
    page.wait_for_selector("#report-link", state="visible", timeout=10_000)
    assert page.locator("#percent").inner_text() == "100%"
    watched.check("batch-progress")

    page.goto(f"{url}/numbers/")
    page.check("#select-all")
    watched.check("numbers")

    page.goto(f"{url}/invitations/templates/{org_a.slug}/en/email/")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    watched.check("template-preview")

    page.goto(f"{url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=10_000)
    watched.check("api-docs")

    page.context.clear_cookies()
    page.goto(f"{url}/activate/{token}/")
    assert page.get_by_text("Pick your MultiLine number").count() == 1
    watched.check("activation")
    page.goto(f"{url}/activate/")
    watched.check("activation-code")
