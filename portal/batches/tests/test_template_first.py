"""The article's order: the CSV template is downloaded first (step 2), the organization and the
User Permissions are chosen at upload (steps 5–6). Before a choice the template is the general
one, with every column; once chosen, the organization's own."""

from __future__ import annotations

import csv
import io

import pytest

from portal.batches.tests import files


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))


def test_the_general_template_needs_no_choice(alice, org_a, login):
    response = login(alice).get("/batches/template.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="accounts-template.csv"'
    header, note = _csv(response)
    assert header == files.HEADER
    assert note[0].startswith("Note: template for any organization - choose the organization")
    assert "Delete this Note row before uploading." in note[0]


def test_another_tenants_organization_is_still_404(charlie, org_a, login):
    assert login(charlie).get("/batches/template.csv", {"organization": "org-a"}).status_code == 404


@pytest.mark.browser
def test_the_template_downloads_at_step_one_before_any_choice(
    transactional_db, alice, org_a, group_a, browser_login, live_server
):
    page = browser_login("alice")
    page.goto(f"{live_server.url}/batches/upload/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the CSV template").click()
    assert download.value.suggested_filename == "accounts-template.csv"
    page.select_option("#id_organization", label="Org A")
    assert "The template of Org A" in page.locator("#template-help").inner_text()
    with page.expect_download() as tailored:
        page.get_by_role("link", name="Download the CSV template").click()
    assert tailored.value.suggested_filename.startswith("accounts-org-a-")
