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
