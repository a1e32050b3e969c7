"""Add Account's rough edges, as an admin meets them: the help's example number is one the form
takes, switching the organization keeps what was typed, and the capacity is told honestly."""

from __future__ import annotations

import re

import pytest

from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.conftest import add_numbers
from portal.lib.phones import to_e164


def test_the_help_example_is_a_valid_number_the_form_accepts(
    alice, org_a, group_a, numbers_a, login
):
    client = login(alice)
    page = client.get("/accounts/add/?organization=org-a").content.decode()
    example = re.search(r"country code \((\+[\d ]+)\)", page).group(1)
    assert to_e164(example) == "+447911123456"
    response = client.post(
        "/accounts/add/",
        {
            "organization": "org-a",
            "email": example,
            "permission_group": group_a.pk,
            "action": "save",
        },
    )
    assert response.status_code == 302
    assert Account.objects.get().device_number == "+447911123456"


def test_switching_the_organization_keeps_what_was_typed(alice, org_a, org_a_child, login):
    client = login(alice)
    response = client.post(
        "/accounts/add/",
        {
            "organization": "org-a-branch",
            "action": "switch",
            "first_name": "Jürgen",
            "last_name": "Groß",
            "email": "jurgen@example.com",
            "forwarding_number": "+447911123499",
            "assign": "number:+447911123401",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Jürgen"' in page and 'value="Groß"' in page
    assert 'value="jurgen@example.com"' in page and 'value="+447911123499"' in page
    assert "Org A Branch" in page and "errorlist" not in page
    assert not Account.objects.exists()  # a switch saves nothing


def _capacity_help(client) -> str:
    page = client.get("/accounts/add/?organization=org-a").content.decode()
    text = re.search(r'id="capacity-help">(.*?)</p>', page, re.S).group(1)
    return " ".join(text.split())


def test_the_number_help_tells_the_capacity_not_just_the_free_numbers(alice, org_a, login):
    client = login(alice)
    add_numbers(org_a, ["+447911123401", "+447911123402"])
    assert "Org A can invite 2 more users without a number." in _capacity_help(client)
    for i in range(2):
        account = account_add(actor=None, organization=org_a, data={"email": f"w{i}@example.com"})
        Account.objects.filter(pk=account.pk).update(status=AccountStatus.INVITED)
    help_text = _capacity_help(client)
    assert "free number" not in help_text
    assert (
        "Org A cannot invite anyone without a number right now: its 2 available numbers are "
        "promised to invited users who have not picked one yet."
    ) in help_text


@pytest.mark.browser
def test_the_number_picker_narrows_as_digits_are_typed(
    transactional_db, alice, org_a, group_a, browser_login, live_server
):
    add_numbers(org_a, [f"+4479111234{n:02d}" for n in range(87)])
    page = browser_login("alice")
    page.goto(f"{live_server.url}/accounts/add/?organization=org-a")
    page.fill("#id_first_name", "Ada")
    page.get_by_role("link", name="Assign Number").click()
    page.get_by_label("Find a number or tag").fill("07911 1234 42")
    assert page.locator("#number-filter-status").inner_text() == "1 match"
    visible = page.locator("#id_assign option:not([hidden])")
    assert visible.all_inner_texts()[-1] == "+447911123442"
    page.select_option("#id_assign", "number:+447911123442")
    page.fill("#id_email", "ada@example.com")
    page.screenshot(path="test-results/add-account-number-filter.png", full_page=True)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(f"{live_server.url}/accounts/")
    assert Account.objects.get(email="ada@example.com").number.e164 == "+447911123442"


# ---------------------------------------------------------------- bad filter values


def test_a_bad_filter_value_is_named_on_the_page_not_a_bare_404(alice, org_a, org_b, login):
    account_add(actor=None, organization=org_a, data={"email": "ada@example.com"})
    client = login(alice)
    response = client.get("/accounts/?status=bogus")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Status: “bogus” is not one of the choices, so this filter is not applied." in page
    assert "ada@example.com" in page  # the list is still there, with the portal's navigation
    # An organization outside the scope reads exactly like one that does not exist.
    outside = client.get("/accounts/?organization=org-b").content.decode()
    missing = client.get("/accounts/?organization=no-such-org").content.decode()
    assert "“org-b” is not one of the choices" in outside
    assert "Org B" not in outside
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", outside).replace("org-b", "X") == token.sub("", missing).replace(
        "no-such-org", "X"
    )


def test_an_export_with_a_bad_filter_exports_nothing(alice, org_a, login):
    account_add(actor=None, organization=org_a, data={"email": "ada@example.com"})
    response = login(alice).get("/accounts/export.csv?status=bogus")
    assert response.status_code == 400
    assert "Nothing was exported" in response.content.decode()
    assert "ada@example.com" not in response.content.decode()


def test_a_bad_numbers_filter_is_named_on_the_page(alice, org_a, numbers_a, login):
    response = login(alice).get("/numbers/?status=bogus")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Status: “bogus” is not one of the choices, so no filter is applied." in page
    assert "+12125550100" in page or "212" in page
