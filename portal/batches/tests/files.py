"""Files written the way spreadsheet programs write them, for the tests."""

from __future__ import annotations

import csv
import io

HEADER = [
    "firstname",
    "lastname",
    "email",
    "social_messaging",
    "multiline_number",
    "monitor_calls",
    "monitor_sms",
    "forwarding_number",
    "restrict_incoming_social_messaging",
    "language",
]


def row(**values) -> dict:
    base = {
        "firstname": "Ada",
        "lastname": "Lovelace",
        "email": "ada@example.com",
        "social_messaging": "No",
        "multiline_number": "",
        "monitor_calls": "off",
        "monitor_sms": "off",
        "forwarding_number": "",
        "restrict_incoming_social_messaging": "",
        "language": "English",
    }
    base.update(values)
    return base


def _table(rows: list[dict], header=None) -> list[list]:
    header = header or HEADER
    return [header] + [[r.get(h, "") for h in header] for r in rows]


def _csv_text(table, delimiter: str, lineterminator: str, quoting=csv.QUOTE_MINIMAL) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting).writerows(
        table
    )
    return out.getvalue()


def excel_csv_utf8(rows, header=None) -> bytes:
    """Excel "CSV UTF-8 (Comma delimited)": BOM, commas, CRLF."""
    return _csv_text(_table(rows, header), ",", "\r\n").encode("utf-8-sig")


def excel_csv_semicolon_cp1252(rows, header=None) -> bytes:
    """Excel "CSV (semicolon delimited)" in German/French/Italian/Spanish locales: Windows-1252."""
    return _csv_text(_table(rows, header), ";", "\r\n").encode("cp1252")


def excel_unicode_text(rows, header=None) -> bytes:
    """Excel "Unicode Text": UTF-16 LE with BOM, tabs, CRLF."""
    return b"\xff\xfe" + _csv_text(_table(rows, header), "\t", "\r\n").encode("utf-16-le")


def libreoffice_csv(rows, header=None) -> bytes:
    """LibreOffice Calc default: UTF-8 without BOM, commas, LF."""
    return _csv_text(_table(rows, header), ",", "\n").encode("utf-8")


def xlsx(rows, header=None, *, numbers_as_numbers=True) -> bytes:
    """An .xlsx like Excel saves it: digit strings typed as numbers, "true" as a boolean cell."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for cells in _table(rows, header):
        out = []
        for value in cells:
            if (
                numbers_as_numbers
                and isinstance(value, str)
                and value.lstrip("+").isdigit()
                and len(value) > 3
            ):
                value = float(value.lstrip("+"))
            elif (
                numbers_as_numbers and isinstance(value, str) and value.lower() in ("true", "false")
            ):
                value = value.lower() == "true"
            out.append(value)
        sheet.append(out)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WRITERS = {
    "excel-csv-utf8-bom": excel_csv_utf8,
    "excel-semicolon-cp1252": excel_csv_semicolon_cp1252,
    "excel-unicode-text-utf16-tabs": excel_unicode_text,
    "libreoffice-utf8-lf": libreoffice_csv,
    "xlsx-numbers-and-booleans": xlsx,
}
