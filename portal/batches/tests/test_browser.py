"""In a real browser: upload a file, watch the progress bar,
download the Batch Operations Report."""

from __future__ import annotations

import re

import pytest

from portal.batches.models import Batch
from portal.batches.tests import files


@pytest.mark.browser
def test_it_uploads_shows_progress_and_downloads_the_report(
    transactional_db,
    alice,
    org_a,
    group_a,
    numbers_a,
    browser_login,
    live_server,
    run_tasks,
    tmp_path,
):
    path = tmp_path / "team.csv"
    path.write_bytes(
        files.excel_csv_semicolon_cp1252(
            [
                files.row(email="ann@example.com", multiline_number=numbers_a[0]),
                files.row(email="oops"),
            ]
        )
    )
    page = browser_login("alice")
    page.goto(f"{live_server.url}/batches/upload/")
    assert (
        page.get_by_role("link", name="Multiple Accounts").get_attribute("aria-current") == "page"
    )
    page.select_option("#id_organization", label="Org A")
    assert page.locator("#id_permission_group").input_value() == str(
        group_a.pk
    )  # The default group.
    with page.expect_download() as template:
        page.get_by_role("link", name="Download the CSV template").click()
    assert template.value.suggested_filename.startswith("accounts-org-a-")
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r".*/batches/\d+/$"))  # the batch, not /batches/upload/
    assert page.locator("#bar").count() == 1
    assert "0 of 2 rows" in page.locator("#counts").inner_text()

    run_tasks()  # The worker runs the batch; the page polls and shows the outcome.
    page.wait_for_selector("#report-link", state="visible", timeout=10_000)
    assert page.locator("#percent").inner_text() == "100%"
    assert page.locator("#n-succeeded").inner_text() == "1"
    assert page.locator("#n-failed").inner_text() == "1"
    assert "oops" in page.locator("#problems").inner_text()
    with page.expect_download() as report:
        page.locator("#report-link").click()
    text = report.value.path().read_text(encoding="utf-8-sig")
    batch = Batch.objects.get()
    assert report.value.suggested_filename == f"batch-{batch.pk}-team-report.csv"
    assert "row,result,reason,account_id,assigned_number,invitation" in text.splitlines()[0]
    assert ",imported," in text and ",failed," in text
