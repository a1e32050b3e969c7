"""axe-core on every portal and end-user page, in chromium: no critical and no serious violation.

axe-core comes from the npm registry through the project's own install step (package.json,
`make install-test`). Each page's findings are written to test-results/axe/ for review; a
critical or serious one fails the test with the rule, its help and the offending elements.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.batches.models import Batch
from portal.invitations.tests.helpers import sent_invitation
from portal.permissions.models import PermissionGroup

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
RESULTS = Path("test-results") / "axe"
BLOCKING = {"critical", "serious"}

# Pages an admin opens (path templates filled from the `pages` fixture), and those of end users.
ADMIN_PAGES = [
    "/dashboard/",
    "/accounts/",
    "/accounts/?status=bogus",
    "/accounts/add/",
    "/accounts/add/?organization=org-a",
    "/accounts/{account}/",
    "/accounts/{account}/edit/",
    "/batches/upload/",
    "/batches/",
    "/batches/{batch}/",
    "/numbers/",
    "/numbers/add/",
    "/organizations/",
    "/organizations/org-a/",
    "/organizations/new/",
    "/permission-groups/",
    "/invitations/",
    "/invitations/templates/org-a/en/email/",
    "/alerts/setup/",
    "/access/",
    "/access/admins/new/",
    "/access/roles/new/",
    "/access/tokens/",
    "/scim-tokens/",
    "/activity/",
    "/no-such-page/",
]
PUBLIC_PAGES = ["/login/", "/activate/", "/activate/{token}/", "/activate/not-a-real-link/"]


def axe_check(page, name: str) -> list[dict]:
    """Run axe-core on the page as it is; write its findings; return the blocking violations."""
    page.evaluate(AXE.read_text())  # evaluated by the browser itself: the page's CSP stays as it is
    found = page.evaluate("""() => axe.run(document, {resultTypes: ["violations"]})
        .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))})))""")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(found, indent=2, ensure_ascii=False))
    return [v for v in found if v["impact"] in BLOCKING]


@pytest.fixture
def pages(operator, alice, org_a, group_a, numbers_a, mailoutbox):
    account = account_add(
        actor=alice,
        organization=org_a,
        invite=True,
        data={"first_name": "Jürgen", "last_name": "Müller", "email": "jurgen@bank.example"},
    )
    _invitation, token, _code = sent_invitation(account)
    batch = Batch.objects.create(
        organization=org_a,
        permission_group=group_a,
        created_by=alice,
        filename="march.csv",
        status="completed",
        total=0,
    )
    assert PermissionGroup.objects.filter(organization=org_a).exists()
    return {"account": account.pk, "batch": batch.pk, "token": token}


def _name(path: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in path.strip("/")) or "root"


@pytest.mark.browser
def test_no_portal_or_end_user_page_has_a_serious_accessibility_violation(
    transactional_db, pages, browser_login, live_server, page
):
    problems = {}
    for path in PUBLIC_PAGES:
        page.goto(live_server.url + path.format(**pages))
        problems[path] = axe_check(page, "public-" + _name(path))
    browser_login("operator", "Operator-pass-1")
    for path in ADMIN_PAGES:
        page.goto(live_server.url + path.format(**pages))
        problems[path] = axe_check(page, "admin-" + _name(path))
    blocking = {path: found for path, found in problems.items() if found}
    assert not blocking, json.dumps(blocking, indent=2, ensure_ascii=False)


@pytest.mark.browser
def test_a_flash_message_page_and_the_skip_link_pass(
    transactional_db, pages, browser_login, live_server, page
):
    """The flash message after a save is read out, and the skip link is the first Tab stop."""
    browser_login("alice")
    page.goto(f"{live_server.url}/permission-groups/")
    page.fill("#id_name", "Gold")
    page.get_by_role("button", name="Create group").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").count() >= 1
    assert axe_check(page, "admin-after-save") == []
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.textContent.trim(), "
        "document.activeElement.getAttribute('href')]"
    )
    assert focused == ["Skip to content", "#main"]
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def _tab_to(page, predicate_js: str, limit: int = 80) -> None:
    """Press Tab until the focused element satisfies `predicate_js` (an arrow function of it)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => ({predicate_js})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate_js}")


@pytest.mark.browser
def test_bulk_actions_and_the_upload_work_from_the_keyboard(
    transactional_db, pages, browser_login, live_server, page, tmp_path
):
    """Tick an account, suspend it, confirm; then choose an organization and upload a file —
    with Tab, Space, arrows and Enter only (the file itself is chosen in the system's dialog)."""
    browser_login("alice")
    page.goto(f"{live_server.url}/accounts/")
    _tab_to(page, "e => e.name === 'ids'")
    page.keyboard.press("Space")
    assert page.locator("#selection-state").inner_text() == "1 selected"
    _tab_to(page, "e => e.id === 'suspend-selected'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/suspend/**")
    _tab_to(page, "e => e.type === 'submit' && /Suspend/.test(e.textContent)")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    done = page.locator("main").inner_text()
    assert "Suspend: 1 account" in done and f"Jürgen Müller #{pages['account']}\tDone" in done
    assert Account.objects.get(pk=pages["account"]).status == "suspended"

    page.goto(f"{live_server.url}/batches/upload/")
    _tab_to(page, "e => e.id === 'id_organization'")
    page.keyboard.press("ArrowDown")  # org-a
    _tab_to(page, "e => e.id === 'id_file'")
    csv = tmp_path / "people.csv"
    csv.write_text(
        "email,social_messaging,monitor_calls,monitor_sms\r\ngrace@bank.example,No,off,off\r\n",
        encoding="utf-8",
    )
    page.locator("#id_file").set_input_files(csv)
    _tab_to(page, "e => e.type === 'submit' && e.value === 'import'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/batches/\d+/$"))  # the batch's page, not /batches/upload/
    assert "people.csv" in page.locator("main").inner_text()
