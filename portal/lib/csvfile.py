"""Reading the spreadsheets admins upload: CSV as Excel and LibreOffice write it, and .xlsx.

`open_table` checks the whole file first (encoding, delimiter, header, "Note" row, row and size
caps) and refuses it with a `FileRefused` that says exactly what to fix; nothing else runs on a
refused file. `Table.records()` then streams the rows again, one `Record` at a time, so memory
does not grow with the row count. Row numbers are the spreadsheet's: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from portal.lib.csvexport import unneutralise
from portal.lib.errors import FileRefused, FileTooLarge
from portal.lib.xlsx import MAX_COLUMNS, column_letter, row_limit, sheet_rows, too_long, too_wide

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_NOTE = re.compile(r"^\s*note\s*[:\-–]", re.IGNORECASE)
_NOTE_MARK = "delete this note"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SPACES = re.compile(r"[\s_]+")
_FIRST_LINE = re.compile(r"[^\r\n]*[^\s][^\r\n]*")
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls


@dataclass
class Record:
    """One data row: `row` as the spreadsheet numbers it, values by canonical column."""

    row: int
    values: dict[str, Any]
    cells: list[Any]
    problem: str = ""


@dataclass
class Table:
    data: bytes = field(repr=False)
    filename: str
    kind: str  # "csv" or "xlsx"
    header: list[str]
    columns: list[str | None]  # canonical name per position; None for ignored blank columns
    rows: int
    encoding: str = ""
    delimiter: str = ""
    max_rows: int = 0  # the cap it was checked against (bounds reading an .xlsx again)

    @property
    def description(self) -> str:
        if self.kind == "xlsx":
            return "Excel workbook"
        return (
            f"CSV, {self.encoding}, {DELIMITER_NAMES.get(self.delimiter, self.delimiter)}-separated"
        )

    def records(self) -> Iterator[Record]:
        """Each data row again (the header and blank rows skipped)."""
        rows = _raw_rows(
            self.data,
            self.kind,
            self.encoding,
            self.delimiter,
            filename=self.filename,
            max_rows=max(self.max_rows, self.rows),
        )
        header_seen = False
        width = len(self.header)
        named = [(index, column) for index, column in enumerate(self.columns) if column is not None]
        text = self.kind == "csv"  # Every cell a string: the checks below take a shortcut.
        for number, cells in rows:
            if (not "".join(cells).strip()) if text else _blank_row(cells):
                continue
            if not header_seen:
                header_seen = True
                continue
            count = len(cells)
            values = {}
            for index, column in named:
                if index < count:
                    cell = cells[index]
                    if text:
                        cell = cell.strip()
                        if cell[:1] == "'":
                            cell = unneutralise(cell)
                        values[column] = cell
                    else:
                        values[column] = _clean_cell(cell)
            problem = ""
            if count > width:
                extra = [c for c in cells[width:] if not _blank(c)]
                if extra:
                    problem = (
                        f"has {width + len(extra)} values but the header has {width} columns; "
                        "a value that contains the delimiter must be in double quotes"
                    )
            if count != width:
                cells = list(cells[:width]) + [""] * (width - count)
            yield Record(row=number, values=values, cells=cells, problem=problem)


def canonical(name: str) -> str:
    """Header text as compared: case, spaces and underscores do not matter."""
    text = unicodedata.normalize("NFKC", str(name or "")).strip().strip("\"'").lower()
    return _SPACES.sub(" ", text).strip()


def open_table(
    data: bytes,
    filename: str,
    *,
    aliases: Mapping[str, str],
    required: Sequence[str],
    max_rows: int,
    max_bytes: int,
    rows: int | None = None,
) -> Table:
    """Check the whole file; `aliases` maps header text (see `canonical`) to a column name.

    `rows`: the file was checked whole before (e.g. when it was uploaded) and has this many rows;
    only its format and header are read again, not every row."""
    size = len(data)
    if size == 0:
        raise FileRefused(f"“{filename}” is empty. Fill in the CSV template and upload it again.")
    if size > max_bytes:
        raise FileTooLarge(size=size, limit=max_bytes, filename=filename)
    kind, encoding, delimiter = _detect(data, filename)
    checked = rows
    rows = _raw_rows(data, kind, encoding, delimiter, filename=filename, max_rows=max_rows)
    header: list[str] | None = None
    header_row = 0
    columns: list[str | None] = []
    count = 0
    used_blank_columns: set[int] = set()
    last_row = row_limit(max_rows)
    try:
        for number, cells in rows:
            if number > last_row:  # Reading on would cost time in proportion to what a file claims.
                if count > max_rows:
                    raise FileRefused(
                        f"“{filename}” has more than {count:,} rows of accounts; at most "
                        f"{max_rows:,} can be uploaded at once. Split it into files of at most "
                        f"{max_rows:,} rows."
                    )
                raise too_long(filename, last_row)
            if _blank_row(cells):
                continue
            if _is_note(cells):
                raise FileRefused(
                    f"Row {number} is still the template's instructions “Note”. Delete that row "
                    f"(and keep the header row) and upload the file again."
                )
            if header is None:
                header, header_row = [_clean_cell(c) for c in cells], number
                columns = _columns(header, aliases, required, filename)
                if checked is not None:
                    break
                continue
            count += 1
            for index in range(min(len(cells), len(columns))):
                if columns[index] is None and not _blank(cells[index]):
                    used_blank_columns.add(index)
    except csv.Error as error:
        raise FileRefused(
            f"“{filename}” could not be read as CSV ({error}). Save it again as CSV "
            "from your spreadsheet program."
        ) from None
    if header is None:
        raise FileRefused(f"“{filename}” is empty. Fill in the CSV template and upload it again.")
    if used_blank_columns:
        letters = ", ".join(column_letter(i) for i in sorted(used_blank_columns))
        raise FileRefused(
            f"Column {letters} has values but no header in row {header_row}. Give it the name of a "
            f"template column, or delete it."
        )
    while columns and columns[-1] is None:
        columns.pop()
    header = header[: len(columns)]
    if checked is not None:
        count = checked
    if count == 0:
        raise FileRefused(
            f"“{filename}” has a header but no rows of accounts. Add one row per account "
            "below the header."
        )
    if count > max_rows:
        raise FileRefused(
            f"“{filename}” has {count:,} rows of accounts; at most {max_rows:,} can be uploaded "
            f"at once. Split it into files of at most {max_rows:,} rows."
        )
    return Table(
        data=data,
        filename=filename,
        kind=kind,
        header=header,
        columns=columns,
        rows=count,
        encoding=encoding,
        delimiter=delimiter,
        max_rows=max_rows,
    )


# ---------------------------------------------------------------- internals


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _blank_row(cells: Sequence[Any]) -> bool:
    return all(_blank(c) for c in cells)


def _clean_cell(value: Any) -> Any:
    if isinstance(value, str):
        # A report or export we wrote marks formula-like cells with an apostrophe: read them back as
        # typed.
        return unneutralise(value.strip())
    return value


def _is_note(cells: Sequence[Any]) -> bool:
    first = next((c for c in cells if not _blank(c)), "")
    if isinstance(first, str) and _NOTE.match(first):
        return True
    return any(isinstance(c, str) and _NOTE_MARK in c.lower() for c in cells)


def _columns(
    header: list, aliases: Mapping[str, str], required: Sequence[str], filename: str
) -> list[str | None]:
    columns: list[str | None] = []
    seen: dict[str, int] = {}
    unknown = []
    for index, text in enumerate(header):
        if _blank(text):
            columns.append(None)
            continue
        name = aliases.get(canonical(text))
        if name is None:
            unknown.append(f"“{text}” (column {column_letter(index)})")
            columns.append(None)
            continue
        if name in seen:
            raise FileRefused(
                f"Columns {column_letter(seen[name])} and {column_letter(index)} are both "
                f"“{name}”. Keep one of them."
            )
        seen[name] = index
        columns.append(name)
    known = ", ".join(dict.fromkeys(aliases.values()))
    if unknown:
        raise FileRefused(
            f"{_join(unknown)} {'is not a column' if len(unknown) == 1 else 'are not columns'} of "
            f"the template. Rename {'it' if len(unknown) == 1 else 'them'} to one of {known}, or "
            f"delete {'it' if len(unknown) == 1 else 'them'}. The first row of the file must be "
            "the header."
        )
    missing = [name for name in required if name not in seen]
    if missing:
        raise FileRefused(
            f"The header has no {_join([f'“{m}”' for m in missing])} "
            f"column{'s' if len(missing) > 1 else ''}; "
            f"{'it is' if len(missing) == 1 else 'they are'} mandatory. Add "
            f"{'it' if len(missing) == 1 else 'them'} to the first row (download the template to "
            "see every column)."
        )
    return columns


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _detect(data: bytes, filename: str) -> tuple[str, str, str]:
    if data.startswith(XLSX_MAGIC):
        return "xlsx", "", ""
    if data.startswith(OLE_MAGIC):
        raise FileRefused(
            f"“{filename}” is an old Excel 97-2003 (.xls) workbook. Save it as .xlsx or as "
            "CSV and upload it again."
        )
    text, encoding = _decode(data, filename)
    first = _FIRST_LINE.search(text)  # Not text.splitlines(): a file of blank lines is millions.
    first = first.group(0) if first else ""
    counts = {d: _count_outside_quotes(first, d) for d in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: counts[d]) if any(counts.values()) else ","
    return "csv", encoding, delimiter


def _count_outside_quotes(line: str, delimiter: str) -> int:
    inside, count = False, 0
    for ch in line:
        if ch == '"':
            inside = not inside
        elif ch == delimiter and not inside:
            count += 1
    return count


def _not_text(filename: str) -> FileRefused:
    return FileRefused(
        f"“{filename}” is not a CSV file or an Excel workbook (it looks like a binary file). "
        "Save your spreadsheet as CSV or .xlsx and upload that."
    )


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "UTF-8")]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", "UTF-16")]
    else:
        head = data[:4096]
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and even == 0:
            candidates = [("utf-16-le", "UTF-16")]
        elif even > len(head) // 4 and odd == 0:
            candidates = [("utf-16-be", "UTF-16")]
        else:
            candidates = [("utf-8", "UTF-8"), ("cp1252", "Windows-1252")]
    for codec, label in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        controls = len(_CONTROL.findall(text[:65536]))
        if "\x00" in text or controls > max(2, len(text[:65536]) // 100):
            raise _not_text(filename)
        return text, label
    raise _not_text(filename)


_CODECS = {"UTF-8": "utf-8-sig", "UTF-16": "utf-16", "Windows-1252": "cp1252"}


def _text_stream(data: bytes, encoding: str) -> io.TextIOWrapper:
    """The file's text as a stream, decoded a block at a time (UTF-16 without a BOM: its byte order
    is told by where the zero bytes are)."""
    codec = _CODECS[encoding]
    if encoding == "UTF-16" and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = data[:4096]
        codec = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
    return io.TextIOWrapper(io.BytesIO(data), encoding=codec, newline="")


def _raw_rows(
    data: bytes, kind: str, encoding: str, delimiter: str, *, filename: str, max_rows: int
) -> Iterator[tuple[int, list]]:
    if kind == "xlsx":
        for number, cells in sheet_rows(data, filename=filename, max_rows=max_rows):
            yield number, [_xlsx_value(c) for c in cells]
        return
    # Decoded as it is read: the rows stream, the file's text is never held whole.
    reader = csv.reader(
        _text_stream(data, encoding),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=False,
        strict=False,
    )
    for number, cells in enumerate(reader, start=1):
        if len(cells) > MAX_COLUMNS:
            if any(islice(cells, MAX_COLUMNS, None)):  # (no copy of a row of millions)
                raise too_wide(filename, len(cells))
            del cells[MAX_COLUMNS:]  # Delimiters only: a spreadsheet's formatted but empty columns.
        yield number, cells


def _xlsx_value(value: Any) -> Any:
    """Numbers stay numbers (a phone number is a float there), booleans stay booleans."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return int(value)
    if isinstance(value, (int, bool, str)):
        return value
    return str(value)
