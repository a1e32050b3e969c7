"""The file reader: each quirk of files made by Excel and
LibreOffice, and every whole-file refusal."""

import pytest

from portal.accounts.models import Account
from portal.batches.models import Batch
from portal.batches.services import read_upload
from portal.batches.tests import files
from portal.lib.csvfile import FileRefused

NUMBER = "+12125550100"


@pytest.mark.parametrize("writer", list(files.WRITERS), ids=list(files.WRITERS))
def test_it_reads_the_files_spreadsheet_programs_write(writer, tmp_path, upload, numbers_a):
    rows = [
        files.row(
            firstname="Zoë",
            lastname="Müller-Lüdenscheidt",
            email="zoe@example.com",
            multiline_number=numbers_a[0].lstrip("+"),
            social_messaging="Yes",
            restrict_incoming_social_messaging="true",
            language="German",
            forwarding_number="4930123456",
        ),
        files.row(firstname="Jean", lastname="Façade", email="jean@example.com", language="French"),
    ]
    data = files.WRITERS[writer](rows)
    batch = upload(data, "accounts.xlsx" if writer.startswith("xlsx") else "accounts.csv")
    assert (batch.status, batch.succeeded, batch.failed) == ("completed", 2, 0), list(
        batch.rows.values()
    )
    zoe = Account.objects.get(email="zoe@example.com")
    assert (zoe.first_name, zoe.last_name) == ("Zoë", "Müller-Lüdenscheidt")
    assert zoe.number.e164 == numbers_a[0]
    assert zoe.restrict_incoming_social_messaging is True and zoe.language == "de"
    assert zoe.forwarding_number == "+4930123456"
    assert Account.objects.get(email="jean@example.com").last_name == "Façade"


def _read(tmp_path, data: bytes, name="f.csv", **kwargs):
    path = tmp_path / name
    path.write_bytes(data)
    return read_upload(data=path.read_bytes(), filename=name, **kwargs)


QUIRKS = {
    "quoted delimiter and newline": (
        (
            b"firstname,lastname,email,social_messaging,monitor_calls,monitor_sms\r\n"
            b'"Smith, Jr.","Line one\r\nline two",a@example.com,No,off,off\r\n'
        ),
        {"firstname": "Smith, Jr.", "lastname": "Line one\r\nline two"},
    ),
    "blank trailing lines": (
        (
            b"email,social_messaging,monitor_calls,monitor_sms\n"
            b"a@example.com,No,off,off\n\n\n,,,\n\n"
        ),
        {"email": "a@example.com"},
    ),
    "header case, spaces and aliases": (
        (
            b"First Name;LASTNAME;Email Address or Device;Social_Messaging;Primary_Number;Monitor "
            b"Calls;monitor_sms\r\n"
            b"Ann;Lee;+12125550199;No;+12125550100;off;off\r\n"
        ),
        {"firstname": "Ann", "email": "+12125550199", "multiline_number": "+12125550100"},
    ),
    "device alias": (
        b"device,social_messaging,monitor_calls,monitor_sms\n+4930123456,No,off,off\n",
        {"email": "+4930123456"},
    ),
    "utf-16 without BOM": (
        "email\tsocial_messaging\tmonitor_calls\tmonitor_sms\r\nä@example.com\tNo\toff\toff\r\n".encode(
            "utf-16-le"
        ),
        {"email": "ä@example.com"},
    ),
    "windows-1252 accents": (
        (
            "firstname;email;social_messaging;monitor_calls;monitor_sms\r\nRené;r@example.com;No;off;off\r\n"
        ).encode("cp1252"),
        {"firstname": "René"},
    ),
    "trailing empty columns": (
        b"email;social_messaging;monitor_calls;monitor_sms;;;\r\na@example.com;No;off;off;;;\r\n",
        {"email": "a@example.com"},
    ),
}


@pytest.mark.parametrize("quirk", list(QUIRKS), ids=list(QUIRKS))
def test_it_reads_each_file_quirk(quirk, tmp_path):
    data, expected = QUIRKS[quirk]
    table = _read(tmp_path, data)
    record = next(table.records())
    assert table.rows == 1
    assert record.row == 2
    for column, value in expected.items():
        assert record.values[column] == value


def test_row_numbers_are_the_spreadsheets_even_with_blank_rows(tmp_path):
    data = (
        b"email,social_messaging,monitor_calls,monitor_sms\n"
        b"\na@example.com,No,off,off\n,,,\nb@example.com,No,off,off\n"
    )
    assert [r.row for r in _read(tmp_path, data).records()] == [3, 5]


def test_xlsx_keeps_numbers_and_booleans_as_the_cells_hold_them(tmp_path):
    data = files.xlsx(
        [
            files.row(
                email="4930123456",
                multiline_number="12125550100",
                restrict_incoming_social_messaging="true",
            )
        ]
    )
    record = next(_read(tmp_path, data, "f.xlsx").records())
    assert record.values["email"] == 4930123456
    assert record.values["multiline_number"] == 12125550100
    assert record.values["restrict_incoming_social_messaging"] is True


HEADER = "email,social_messaging,monitor_calls,monitor_sms"
REFUSALS = {
    "empty file": (b"", "is empty"),
    "only blank lines": (b"\r\n\r\n,,,\r\n", "is empty"),
    "header but no rows": (f"{HEADER}\r\n".encode(), "has a header but no rows"),
    "leftover Note row": (
        (
            f"{HEADER}\r\nNote: fill one row per account. Delete this Note row before "
            "uploading.,,,\r\n"
            "a@example.com,No,off,off\r\n"
        ).encode(),
        "Row 2 is still the template's instructions “Note”",
    ),
    "unknown column": (
        f"{HEADER},nickname\r\na@example.com,No,off,off,Al\r\n".encode(),
        "“nickname” (column E) is not a column of the template",
    ),
    "missing mandatory column": (
        b"email,social_messaging,monitor_calls\r\na@example.com,No,off\r\n",
        "The header has no “monitor_sms” column",
    ),
    "two missing columns": (
        b"email,social_messaging\r\na@example.com,No\r\n",
        "no “monitor_calls” and “monitor_sms” columns",
    ),
    "same column twice": (
        f"{HEADER},Email\r\na@example.com,No,off,off,b@example.com\r\n".encode(),
        "Columns A and E are both “email”",
    ),
    "values without a header": (
        f"{HEADER},\r\na@example.com,No,off,off,surprise\r\n".encode(),
        "Column E has values but no header",
    ),
    "binary file": (bytes(range(256)) * 20, "is not a CSV file or an Excel workbook"),
    "png image": (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200), "is not a CSV file"),
    "old .xls workbook": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
        "old Excel 97-2003 (.xls)",
    ),
    "damaged xlsx": (b"PK\x03\x04" + b"garbage" * 20, "could not be read as an Excel workbook"),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
def test_it_refuses_the_whole_file_saying_what_to_fix(case, tmp_path):
    data, message = REFUSALS[case]
    with pytest.raises(FileRefused) as refused:
        _read(tmp_path, data)
    assert message in refused.value.message
    assert refused.value.fields == {"file": [refused.value.message]}


def test_it_refuses_more_rows_than_the_cap_before_writing_anything(
    tmp_path, settings, alice, org_a, group_a
):
    from portal.batches.services import batch_create

    settings.BATCH_MAX_ROWS = 3
    data = (
        HEADER + "\r\n" + "".join(f"u{i}@example.com,No,off,off\r\n" for i in range(4))
    ).encode()
    with pytest.raises(FileRefused) as refused:
        batch_create(
            actor=alice, organization=org_a, permission_group=group_a, filename="big.csv", data=data
        )
    assert "has 4 rows of accounts; at most 3 can be uploaded at once" in refused.value.message
    assert Batch.objects.count() == 0 and Account.objects.count() == 0


def test_it_refuses_a_file_over_the_size_cap(tmp_path, settings):
    settings.BATCH_MAX_BYTES = 1024
    with pytest.raises(FileRefused) as refused:
        _read(tmp_path, (HEADER + "\r\n" + "a@example.com,No,off,off\r\n" * 100).encode())
    assert "at most 1 KB can be uploaded at once" in refused.value.message


def test_a_row_with_more_cells_than_the_header_is_reported_not_guessed(upload):
    data = (
        HEADER
        + ",firstname\r\n"
        + "a@example.com,No,off,off,Smith, Jr.\r\nb@example.com,No,off,off,Bo\r\n"
    ).encode()
    batch = upload(data)
    rows = {r.row: r for r in batch.rows.all()}
    assert rows[2].result == "failed"
    assert rows[2].problems["row"] == [
        (
            "has 6 values but the header has 5 columns; a value that contains the "
            "delimiter must be in double quotes"
        )
    ]
    assert rows[3].result == "imported"
