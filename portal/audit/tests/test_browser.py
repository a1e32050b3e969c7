"""In a real browser at 1,366 × 768: the activity screen reads in sentences, shows no codes, ids or
JSON, and fits the screen's width (it was 1,645 px wide)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from portal.access.services import token_issue
from portal.accounts.lifecycle import accounts_move, accounts_suspend
from portal.accounts.services import account_add
from portal.audit.models import AuditEvent
from portal.audit.wording import SENTENCES
from portal.numbers.services import numbers_add
from portal.organizations.services import organization_update

RESULTS = Path(__file__).resolve().parents[3] / "test-results"


@pytest.fixture
def busy_day(operator, alice, org_a, org_a_child, group_a, numbers_a):
    jurgen = account_add(
        actor=alice,
        organization=org_a,
        data={
            "first_name": "Jürgen",
            "last_name": "Müller",
            "email": "jurgen@bank.example",
            "multiline_number": numbers_a[0],
        },
    )
    ada = account_add(
        actor=alice,
        organization=org_a,
        data={
            "first_name": "Ada",
            "last_name": "Lovelace-Byron",
            "email": "ada.lovelace-byron@long-name-bank.example",
        },
    )
    accounts_suspend(actor=alice, accounts=[jurgen.pk], reason="Left the bank on 30 November")
    numbers_add(actor=operator, organization=org_a_child, values=["+12125550160", "+12125550161"])
    accounts_move(actor=alice, accounts=[ada.pk], destination=org_a_child)
    organization_update(
        actor=alice,
        organization=org_a,
        invitation_validity_days=14,
        allowed_email_domains="bank.example\nlong-name-bank.example",
    )
    token_issue(actor=alice, user=alice, name="HR sync")
    Client(REMOTE_ADDR="10.1.2.3").post(
        "/login/", {"username": "alice", "password": "not-her-password"}
    )


@pytest.mark.browser
def test_the_activity_screen_reads_in_words_and_fits_1366_pixels(
    transactional_db, busy_day, browser_login, live_server
):
    page = browser_login("alice")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/activity/")
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "activity-1366.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, f"the activity screen is {width} px wide"
    table = page.locator("table.activity tbody").inner_text()
    for sentence in (
        "alice suspended account Jürgen Müller (jurgen@bank.example)",
        "Failed sign-in for alice from 10.1.2.3",
        "alice changed the settings of Org A",
        "alice issued an API token for alice",
        "alice moved account Ada Lovelace-Byron (ada.lovelace-byron@long-name-bank.example) "
        "from Org A to Org A Branch",
    ):
        assert sentence in table
    assert "Invitations are valid for" in table or "Invitation validity days" in table
    assert "7 → 14" in table
    codes = set(AuditEvent.objects.values_list("action", flat=True)) | set(SENTENCES)
    assert not [code for code in codes if code in table]
    assert not [status for status in ("not_invited", "available") if status in table]
    assert "{" not in table and "ml_" not in table
