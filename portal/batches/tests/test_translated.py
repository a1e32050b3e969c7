"""Multiple Accounts and Batch Operation Reports in German: an admin whose browser asks for German
(and who chose no language) reads the pages in German. The report's row messages stay the
article's English: they are made by the worker, not by the page."""

from __future__ import annotations

import pytest

from portal.batches.tests import files


@pytest.fixture
def batch_a(upload):
    return upload(files.excel_csv_utf8([files.row(), files.row(email="bad")]))


def german(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    return response.content.decode()


def test_the_upload_page_speaks_german(login, alice, org_a, group_a):
    page = german(login(alice), "/batches/upload/")
    for text in ("Mehrere Konten", "CSV-Vorlage", "Nur prüfen", "Organisation wählen"):
        assert text in page
    assert "Importieren &amp; einladen" in page
    for text in ("Download the CSV template", "Validate only", "Choose Organization", "(default)"):
        assert text not in page


def test_a_batch_and_the_reports_speak_german(login, alice, batch_a):
    client = login(alice)
    page = german(client, f"/batches/{batch_a.pk}/")
    for text in ("Stapel", "Abgeschlossen", "Zeilen mit Problemen", "Bericht der Stapelvorgänge"):
        assert text in page
    for text in ("Rows with problems", "Completed", "already existing", "Download the Batch"):
        assert text not in page
    page = german(client, "/batches/")
    for text in ("Berichte der Stapelvorgänge", "Importieren", "Fehlgeschlagen"):
        assert text in page
    for text in ("Batch Operation Reports", ">Imported<", ">Report<"):
        assert text not in page


def test_a_batch_run_while_german_is_active_still_writes_the_articles_english(upload, numbers_a):
    """The embedded default runs tasks in the web process: a German request before must not make
    what a batch stores (the Batch Operations Report's row messages) German."""
    from django.utils import translation

    from portal.batches.services import report_rows
    from portal.batches.tests.conftest import results

    translation.activate("de")  # What a German admin's request left active in the thread.
    batch = upload(files.excel_csv_utf8([files.row()]), invite=True)
    (row,) = results(batch).values()
    assert (row.result, row.invitation) == ("imported", "queued")  # not "in Warteschlange"
    assert row.get_result_display() == "Importiert"  # (what the page shows, in German)
    (_header, line) = report_rows(batch)
    assert line[-5:] == ["imported", "", str(row.account_id), "", "queued"]
    assert translation.get_language() == "de"  # (left as it was)
