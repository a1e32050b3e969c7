"""Reading a list of numbers from an uploaded file: one number per line, or a "number" column."""

from __future__ import annotations

import codecs
import csv
import io

from portal.lib.errors import DomainError
from portal.lib.xlsx import sheet_rows

HEADERS = {
    "number",
    "numbers",
    "phone",
    "phone_number",
    "e164",
    "multiline_number",
    "primary_number",
}
MAX_BYTES = 5 * 1024 * 1024
XLSX_MAX_ROWS = 50_000  # a sheet of numbers: one or two short cells a row
XLSX_ROW_BYTES = 128


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _rows_of_text(text: str) -> list[list[str]]:
    sample = text[:4096]
    delimiter = ","
    for candidate in (";", "\t"):
        if sample.count(candidate) > sample.count(delimiter):
            delimiter = candidate
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _rows_of_xlsx(data: bytes, filename: str) -> list[list]:
    rows = sheet_rows(
        data, filename=filename or "numbers.xlsx", max_rows=XLSX_MAX_ROWS, row_bytes=XLSX_ROW_BYTES
    )
    return [["" if cell is None else cell for cell in row] for _number, row in rows]


def read_numbers(data: bytes, filename: str = "") -> list:
    """The values of the file's "number" column, or of its
    first column when it has no such header."""
    if len(data) > MAX_BYTES:
        raise DomainError("The file is larger than 5 MB; split it.", fields={"file": ["too large"]})
    if filename.lower().endswith(".xlsx") or data.startswith(b"PK\x03\x04"):
        rows = _rows_of_xlsx(data, filename)
    else:
        rows = _rows_of_text(_decode(data))
    rows = [row for row in rows if any(str(cell).strip() for cell in row)]
    if not rows:
        raise DomainError("The file holds no numbers.", fields={"file": ["empty"]})
    header = [str(cell).strip().lower().replace(" ", "_") for cell in rows[0]]
    column = next((i for i, name in enumerate(header) if name in HEADERS), None)
    if column is not None:
        rows = rows[1:]
    else:
        column = 0
    return [row[column] for row in rows if len(row) > column and str(row[column]).strip()]
