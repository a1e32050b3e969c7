"""Search at scale: one way to normalise what is stored and what is typed, on SQLite and PostgreSQL.

Text (names, email) is matched word by word: every word typed must begin a word of the account
("Jurgen Mul" and "Müller Jürgen" both find Jürgen Müller), whatever the case and the accents.
What is stored is a normalised copy, `search_text` ("jurgen muller jurgen muller bank example"),
indexed by the database's own full-text index (PostgreSQL: a GIN index on
`to_tsvector('simple', search_text)` queried with prefix terms; SQLite: an FTS5 table kept by
triggers, queried with prefix terms). `text_match` is the one place that picks the index.

Numbers are matched by digits, in any format: the typed digits begin the number (E.164 with or
without "+", "00" or the national "0" of `SEARCH_NATIONAL_REGION`), or end it (last digits, or a
whole national number). Prefixes use the number's own B-tree index; suffixes a B-tree index on
its reversed digits (`reversed_digits`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

# Letters that Unicode does not decompose into a base letter and an accent.
_FOLD = str.maketrans(
    {
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
    }
)
_WORDS = re.compile(r"[^\W_]+")
_PHONE_CHARS = re.compile(r"[+\d\s\-().\u00a0/]+")
_WHOLE_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
MIN_DIGITS = 3
MAX_WORDS = 8


def fold(text: str | None) -> str:
    """Lower case, no accents: "Jürgen Øster" -> "jurgen oster"."""
    if text is None or text.isascii():  # Nothing to decompose or translate (most names, emails).
        return (text or "").lower()
    text = unicodedata.normalize("NFKD", (text or "").casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.translate(_FOLD)


def words(text: str | None) -> list[str]:
    """The folded words of `text`: "Jürgen.Müller@Bank.example" -> jurgen, muller, bank, example."""
    return _WORDS.findall(fold(text))


def search_text(*values: str | None) -> str:
    """What is stored for the text search: the folded words of every value, space-separated
    (folded together: `fold` works character by character, and a space ends a word)."""
    return " ".join(words(" ".join(value for value in values if value)))


def reversed_digits(value: str | None) -> str:
    """ "+447911123456" -> "654321119744" (a B-tree prefix on it is a suffix of the number)."""
    return "".join(ch for ch in (value or "") if ch.isdigit())[::-1]


@dataclass
class Query:
    """What a typed search means: words to match, and digit prefixes and suffixes of numbers."""

    words: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)  # digits an E.164 number begins with (no "+")
    suffixes: list[str] = field(default_factory=list)  # digits a number ends with
    email: str = ""  # a whole address typed: that account, by the unique index of the email

    @property
    def is_number(self) -> bool:
        return bool(self.prefixes or self.suffixes)

    def __bool__(self) -> bool:
        return bool(self.words or self.prefixes or self.suffixes)


def _national_country_code() -> str:
    import phonenumbers

    region = getattr(settings, "SEARCH_NATIONAL_REGION", "GB")
    code = phonenumbers.country_code_for_region(region) if region else 0
    return str(code) if code else ""


def parse(q: str | None) -> Query:
    """+44 7911 123456, 447911123456, 0044 7911 123456, 07911 123456, 123456 (its last digits)."""
    q = (q or "").strip()[:200]
    query = Query(words=words(q)[:MAX_WORDS])
    if _WHOLE_EMAIL.fullmatch(q):
        query.email = q.lower()
    if not _PHONE_CHARS.fullmatch(q or " "):
        return query
    digits = "".join(ch for ch in q if ch.isdigit())
    if len(digits) < MIN_DIGITS:
        return query
    international = q.lstrip().startswith("+")
    if digits.startswith("00"):
        query.prefixes.append(digits[2:])
    elif digits.startswith("0") and not international:
        national = digits[1:]  # the trunk "0": a whole national number is the E.164's end
        code = _national_country_code()
        if code:
            query.prefixes.append(code + national)
        query.suffixes.append(national)
    else:
        query.prefixes.append(digits)
        if not international:
            query.suffixes.append(digits)
    query.prefixes = [p for p in query.prefixes if len(p) >= MIN_DIGITS]
    query.suffixes = [s for s in query.suffixes if len(s) >= MIN_DIGITS]
    return query


def _next(prefix: str) -> str:
    """The smallest string after every string beginning with `prefix` (digits and "+" only)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def prefix_q(column: str, prefix: str):
    """`column` begins with `prefix`, as a range a B-tree index answers on both databases (SQLite's
    LIKE ignores the index unless case-sensitive)."""
    from django.db.models import Q

    return Q(**{f"{column}__gte": prefix, f"{column}__lt": _next(prefix)})


def number_ranges(query: Query, e164_column: str, reversed_column: str) -> list:
    """Each range `query` means, one condition each: its prefixes on the E.164 column, then its
    suffixes on the reversed-digits column."""
    return [prefix_q(e164_column, "+" + prefix) for prefix in query.prefixes] + [
        prefix_q(reversed_column, suffix[::-1]) for suffix in query.suffixes
    ]


def number_q(query: Query, e164_column: str, reversed_column: str):
    """The numbers `query` means, on an E.164 column and its reversed-digits column."""
    from django.db.models import Q

    condition = Q(pk__in=[])
    for each in number_ranges(query, e164_column, reversed_column):
        condition |= each
    return condition


def reads_ranges_apart() -> bool:
    """Whether a number search reads its ranges apart (`first_numbers`), then the rows found: on
    PostgreSQL (SQLite meets its targets with the ranges ORed: kept as it was)."""
    return connection.vendor == "postgresql"


def first_numbers(numbers, query: Query, *, fields: tuple[str, ...], limit: int) -> list[tuple]:
    """The first `limit` of `numbers` (a Number queryset) that `query` means, in number order, as
    `values_list(*fields, "e164")` rows.

    PostgreSQL: one sub-select per range, each in number order up to `limit` (a prefix through
    the number's own index; a suffix through the reversed digits' covering index, without the
    table), then the first `limit` of their union. With the ranges ORed, it walks the numbers'
    index testing each row: three last digits (1,000 numbers spread over the table) read ~50,000
    rows for a page (~1,000 pages), or all 1,000 rows for their ids. Elsewhere: the ORed ranges."""
    fields = (*fields, "e164")
    if not reads_ranges_apart():
        matching = numbers.filter(number_q(query, "e164", "e164_reversed"))
        return list(matching.order_by("e164").values_list(*fields)[:limit])
    ranges = number_ranges(query, "e164", "e164_reversed")
    parts = [numbers.filter(each).order_by("e164").values_list(*fields)[:limit] for each in ranges]
    if len(parts) == 1:
        return list(parts[0])
    return list(parts[0].union(*parts[1:]).order_by("e164")[:limit])


def vendor() -> str:
    return connection.vendor


def fts_terms(query_words: list[str], *, vendor_name: str | None = None) -> str:
    """The full-text query "every word begins a word": PostgreSQL `jur:* & mul:*`, SQLite
    `"jur"* AND "mul"*` (words are letters and digits only, so nothing needs escaping)."""
    if (vendor_name or vendor()) == "postgresql":
        return " & ".join(f"{w}:*" for w in query_words)
    return " AND ".join(f'"{w}"*' for w in query_words)
