"""One CSV writer for every download: a + phone number is written the same way in the Batch
Operations Report and the Accounts export, and what the report writes reads back as it was."""

import csv
import io

from django.urls import reverse

from portal.batches import services
from portal.batches.tests import files
from portal.lib.csvexport import csv_lines


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_a_plus_number_is_written_alike_in_the_report_and_the_export(
    upload, numbers_a, login, alice
):
    number = numbers_a[0]
    batch = upload(
        files.excel_csv_utf8(
            [files.row(email="ada@example.com", multiline_number=number, forwarding_number="")]
        )
    )
    assert batch.succeeded == 1
    report = _cells("".join(services.report_csv_lines(batch)))
    response = login(alice).get(reverse("accounts:export"))
    export = _cells(b"".join(response.streaming_content).decode("utf-8"))
    in_report = report[1][report[0].index("multiline_number")]
    in_export = export[1][export[0].index("multiline_number")]
    assert in_report == in_export == number  # A plain +number: no apostrophe in either.
    assert report[1][report[0].index("assigned_number")] == number


def test_a_formula_or_spaced_number_gets_an_apostrophe_and_reads_back_as_it_was(upload):
    batch = upload(
        files.excel_csv_utf8(
            [
                files.row(
                    email="ada@example.com", firstname="=1+1", forwarding_number="+44 7911 123456"
                )
            ]
        )
    )
    text = "".join(services.report_csv_lines(batch))
    report = _cells(text)
    assert report[1][report[0].index("firstname")] == "'=1+1"
    assert report[1][report[0].index("forwarding_number")] == "'+44 7911 123456"
    # The report's file columns uploaded again (the outcome columns deleted): the reader takes
    # the apostrophes off.
    width = len(files.HEADER)
    again = "".join(
        csv_lines([row[:width] for row in report[1:]], header=report[0][:width])
    ).encode("utf-8")
    table = services.read_upload(data=again, filename="report.csv")
    [record] = list(table.records())
    assert record.values["firstname"] == "=1+1"
    assert record.values["forwarding_number"] == "+44 7911 123456"
