"""Reading the first sheet of an .xlsx workbook, at a cost bounded by what its rows can need.

An .xlsx is a zip of XML parts; 1 MB of zip can hold gigabytes of XML. Before openpyxl parses
anything, `check_archive` reads the zip's directory (sizes as stored; zipfile never inflates a
part past its stored size) and refuses a workbook whose parts are larger than `max_rows` rows can
need. While the sheet streams, `sheet_rows` stops at the first row past the limits (rows, blank
rows, columns), so a lying `<dimension>` or a row numbered 10**9 costs nothing. The XML itself is
parsed by openpyxl through defusedxml (no entities, no DTD).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from portal.lib.errors import FileRefused

MAX_COLUMNS = 256  # A row wider than this is refused (the template has ten columns).
# What parsing may cost. openpyxl's time goes by XML element (~10 µs each on 2 busy cores), its
# memory by byte; the budgets keep any accepted workbook well under 2 s and 200 MB
# (docs/batches.md, bench/hostile_files.py). Tags are counted as "<" (an element is one or two).
ROW_BYTES = 1024  # sheet XML of one row: ten cells with inline strings are ~500 bytes
ROW_TAGS = 100  # ... and ~60 tags
STRING_BYTES_PER_ROW = 1024  # shared strings of one row: its texts (an email, two names…)
STRING_TAGS_PER_ROW = 60
BASE_BYTES = 512 * 1024  # besides the rows: the sheet's head, the first strings
BASE_TAGS = 5_000
OTHER_PART_BYTES = 2 * 1024 * 1024  # any other XML part (styles, workbook, relationships…)
OTHER_PART_TAGS = 50_000
MAX_PARTS = 1000


def column_letter(index: int) -> str:
    """0 -> A, 26 -> AA: how spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _refused(filename: str, what: str) -> FileRefused:
    return FileRefused(
        f"“{filename}” {what}. Save only the accounts (one header row and at most "
        "the allowed rows) as .xlsx or CSV, and upload that."
    )


def check_archive(data: bytes, *, filename: str, max_rows: int, row_bytes: int = ROW_BYTES) -> None:
    """Refuse a workbook whose XML is larger than `max_rows` rows (of at most `row_bytes` of
    sheet XML each) can need, before openpyxl parses anything: the zip directory's sizes first,
    then the tags of each XML part, counted as it is inflated (in blocks, never whole)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _unreadable() from None
    if len(parts) > MAX_PARTS:
        raise _refused(
            filename, f"holds {len(parts):,} parts; a workbook of accounts has a few dozen"
        )
    budgets = []
    for part in parts:
        name = part.filename.lower()
        if not name.endswith((".xml", ".rels")):
            continue  # Images and other binary parts: read-only openpyxl never inflates them.
        if name.startswith("xl/worksheets/"):
            budget = (BASE_BYTES + max_rows * row_bytes, BASE_TAGS + max_rows * ROW_TAGS)
        elif name == "xl/sharedstrings.xml":
            budget = (
                BASE_BYTES + max_rows * STRING_BYTES_PER_ROW,
                BASE_TAGS + max_rows * STRING_TAGS_PER_ROW,
            )
        else:
            budget = (OTHER_PART_BYTES, OTHER_PART_TAGS)
        if part.file_size > budget[0]:
            raise _refused(
                filename,
                f"is {_mb(part.file_size)} once unzipped ({part.filename}); "
                f"{max_rows:,} rows of accounts need at most {_mb(budget[0])}",
            )
        budgets.append((part, budget[1]))
    try:
        for part, most in budgets:
            tags = 0
            with archive.open(part) as stream:
                while block := stream.read(1 << 16):
                    tags += block.count(b"<")
                    if tags > most:
                        raise _refused(
                            filename,
                            f"has more than {most:,} XML tags in "
                            f"{part.filename}; {max_rows:,} rows of "
                            "accounts need fewer",
                        )
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
        raise _unreadable() from None


def _unreadable() -> FileRefused:
    return FileRefused(
        "The file could not be read as an Excel workbook (.xlsx). Open it in your "
        "spreadsheet program, save it again as .xlsx or CSV, and upload that."
    )


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def sheet_rows(
    data: bytes, *, filename: str, max_rows: int, row_bytes: int = ROW_BYTES
) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cell values) of the first sheet, the spreadsheet's numbering; refused as soon
    as the sheet is wider than MAX_COLUMNS or runs past the rows `max_rows` data rows allow."""
    check_archive(data, filename=filename, max_rows=max_rows, row_bytes=row_bytes)
    # Imported only for a workbook that passed (importing openpyxl costs ~0.1 s), not a cycle.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged or hostile file.
        raise _unreadable() from None
    last_row = row_limit(max_rows)
    try:
        sheet = workbook.worksheets[0]
        declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
        if declared_columns > MAX_COLUMNS:
            raise too_wide(filename, declared_columns)
        if declared_rows > last_row:
            raise too_long(filename, last_row)
        # Read what is there, not what the <dimension> claims (openpyxl would pad every row to it).
        sheet.reset_dimensions()
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > last_row:
                raise too_long(filename, last_row)
            if len(cells) > MAX_COLUMNS:
                raise too_wide(filename, len(cells))
            yield number, list(cells)
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001 - the same, for a sheet damaged (or hostile) further in
        raise FileRefused(
            "The Excel workbook is damaged. Open it in your spreadsheet program, "
            "save it again, and upload it."
        ) from None
    finally:
        workbook.close()


def row_limit(max_rows: int) -> int:
    """The last row a file of `max_rows` data rows may reach: blank rows are skipped, but each
    costs a step to read, so a file may have some, not millions."""
    return max(10 * max_rows, 10_000)


def too_wide(filename: str, columns: int) -> FileRefused:
    return _refused(
        filename,
        f"has cells in column {column_letter(columns - 1)}; at most {MAX_COLUMNS} columns are read",
    )


def too_long(filename: str, last_row: int) -> FileRefused:
    return _refused(
        filename, f"has rows beyond row {last_row:,}; delete the empty rows below your data"
    )
