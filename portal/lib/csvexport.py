"""Writing CSV: the one writer of every download (the accounts export, the activity log, the
Batch Operations Report, the CSV template) and of the report a command writes to a file.

Cells a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a leading
apostrophe; a plain phone number ("+12125550100") is not a formula and is left as it is, so that a
downloaded file can be uploaded again. The CSV reader removes that apostrophe on the way back in.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse

CONTENT_TYPE = "text/csv; charset=utf-8"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FIRST = frozenset("".join(FORMULA_STARTS))
_PLAIN_PHONE = re.compile(r"\+\d{1,18}")
# A streamed download is sent in pieces of about this many characters, not a write per line.
CHUNK = 64 * 1024


def safe_cell(value) -> str:
    # Called for every cell of every download: the common case (text not starting with one of
    # FORMULA_STARTS) costs one type check and one set lookup.
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if text and text[0] in _FIRST and not _PLAIN_PHONE.fullmatch(text):
        return "'" + text
    return text


def unneutralise(text: str) -> str:
    """The reader's side: "'=cmd" (as written by safe_cell) reads back as "=cmd"."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class _Echo:
    def write(self, value):
        return value


def csv_lines(
    rows: Iterable[Iterable], *, header: Iterable | None = None, made_safe: bool = False
) -> Iterator[str]:
    """CSV lines (CRLF, a UTF-8 BOM first so that Excel reads accents), every cell made safe.

    `made_safe`: the rows' maker already made each cell safe (safe_cell on every cell that could
    start a formula: the Accounts export, 1.9 million cells, most of them ids, codes and
    timestamps that cannot), so they are written as they are; the header still is made safe."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield "\ufeff"
    if header is not None:
        yield writer.writerow([safe_cell(c) for c in header])
    write = writer.writerow
    if made_safe:
        for row in rows:
            yield write(row)
        return
    for row in rows:
        yield write([safe_cell(c) for c in row])


def csv_text(rows: Iterable[Iterable], *, header: Iterable | None = None) -> str:
    """A small file's whole text (the template), written by `csv_lines`."""
    return "".join(csv_lines(rows, header=header))


def attachment(response: HttpResponse, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def chunked(lines: Iterable[str], size: int = CHUNK) -> Iterator[str]:
    """`lines` joined into pieces of about `size` characters (one write each, flat memory)."""
    piece: list[str] = []
    length = 0
    for line in lines:
        piece.append(line)
        length += len(line)
        if length >= size:
            yield "".join(piece)
            piece, length = [], 0
    if piece:
        yield "".join(piece)


def csv_response(lines: Iterable[str], *, filename: str) -> StreamingHttpResponse:
    """A download of lines written by `csv_lines` (a large file: streamed, in pieces)."""
    return attachment(StreamingHttpResponse(chunked(lines), content_type=CONTENT_TYPE), filename)


def csv_file_response(text: str, *, filename: str) -> HttpResponse:
    """A download of a small file's text written by `csv_text`."""
    return attachment(HttpResponse(text, content_type=CONTENT_TYPE), filename)


def csv_download(
    rows: Iterable[Iterable],
    *,
    filename: str,
    header: Iterable | None = None,
    made_safe: bool = False,
) -> StreamingHttpResponse:
    return csv_response(csv_lines(rows, header=header, made_safe=made_safe), filename=filename)
