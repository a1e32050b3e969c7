"""Hostile workbooks, written part by part (streamed, so a gigabyte cell costs little memory).

Used by test_hostile_files.py and bench/hostile_files.py.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" '
    b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
SST_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
)
HEADER_ROW = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>social_messaging</t></is></c>'
    b'<c r="C1" t="inlineStr"><is><t>monitor_calls</t></is></c>'
    b'<c r="D1" t="inlineStr"><is><t>monitor_sms</t></is></c></row>'
)


def _row(n: int, email: bytes) -> bytes:
    r = str(n).encode()
    return (
        b'<row r="' + r + b'"><c r="A' + r + b'" t="inlineStr"><is><t>' + email + b"</t></is></c>"
        b'<c r="B' + r + b'" t="inlineStr"><is><t>No</t></is></c>'
        b'<c r="C' + r + b'" t="inlineStr"><is><t>off</t></is></c>'
        b'<c r="D' + r + b'" t="inlineStr"><is><t>off</t></is></c></row>'
    )


def workbook(sheet: Iterable[bytes], strings: Iterable[bytes] | None = None) -> bytes:
    """An .xlsx whose sheet (and shared strings) XML are the chunks given, deflated as they come."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        if strings is None:
            strings = [SST_HEAD + b' count="0" uniqueCount="0"/>']
        for name, chunks in (
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", strings),
        ):
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)
    return out.getvalue()


def _repeat(block: bytes, total: int) -> Iterator[bytes]:
    while total > 0:
        yield block[:total]
        total -= len(block)


def valid(rows: int = 3) -> bytes:
    """A small, honest workbook of `rows` accounts."""
    body = b"".join(_row(n, f"user{n}@example.com".encode()) for n in range(2, rows + 2))
    return workbook([SHEET_HEAD, b"<sheetData>", HEADER_ROW, body, b"</sheetData></worksheet>"])


def huge_cell(size: int) -> bytes:
    """One shared string of `size` bytes in cell A2 (1 MB of zip holds ~1 GB of it)."""
    sheet = [
        SHEET_HEAD,
        b"<sheetData>",
        HEADER_ROW,
        b'<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>',
    ]
    strings = [
        SST_HEAD + b' count="1" uniqueCount="1"><si><t>',
        *_repeat(b"A" * (1024 * 1024), size),
        b"</t></si></sst>",
    ]
    return workbook(sheet, strings)


def many_rows(rows: int) -> bytes:
    """`rows` identical rows of one cell, without row numbers (20 M of them zip to ~5 MB)."""

    def body():
        yield SHEET_HEAD + b'<dimension ref="A1:A' + str(rows).encode() + b'"/><sheetData>'
        one = b'<row><c t="inlineStr"><is><t>a@example.com</t></is></c></row>'
        for start in range(0, rows, 10_000):
            yield one * min(10_000, rows - start)
        yield b"</sheetData></worksheet>"

    return workbook(body())


def far_row(row: int = 10**9) -> bytes:
    """A header, then one cell in row `row`, and no <dimension>: openpyxl would yield every row in
    between."""
    r = str(row).encode()
    return workbook(
        [
            SHEET_HEAD,
            b"<sheetData>",
            HEADER_ROW,
            b'<row r="' + r + b'"><c r="A' + r + b'"><v>1</v></c></row>',
            b"</sheetData></worksheet>",
        ]
    )


def lying_dimension() -> bytes:
    """Two rows claiming to span A1:XFD1048576 (openpyxl would pad every row to 16,384 cells)."""
    return workbook(
        [
            SHEET_HEAD,
            b'<dimension ref="A1:XFD1048576"/><sheetData>',
            HEADER_ROW,
            _row(2, b"a@example.com"),
            b"</sheetData></worksheet>",
        ]
    )


def wide_row() -> bytes:
    """A cell in the last column, XFD."""
    return workbook(
        [
            SHEET_HEAD,
            b"<sheetData>",
            HEADER_ROW,
            b'<row r="2"><c r="XFD2"><v>1</v></c></row></sheetData></worksheet>',
        ]
    )


def billion_laughs() -> bytes:
    """Shared strings expanding ten entities ten times over, ten levels deep."""
    entities = b'<!ENTITY a0 "ha">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, b"&a%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    strings = [
        b'<?xml version="1.0"?><!DOCTYPE sst [' + entities + b"]>"
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<si><t>&a9;</t></si></sst>"
    ]
    sheet = [
        SHEET_HEAD,
        b"<sheetData>",
        HEADER_ROW,
        b'<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData></worksheet>',
    ]
    return workbook(sheet, strings)


def deep_nesting(depth: int = 100_000) -> bytes:
    """A cell nested `depth` elements deep (within the size budget)."""
    return workbook(
        [
            SHEET_HEAD,
            b"<sheetData>",
            HEADER_ROW,
            b'<row r="2"><c r="A2" t="inlineStr"><is>',
            b"<r>" * depth,
            b"</r>" * depth,
            b"</is></c></row></sheetData></worksheet>",
        ]
    )
