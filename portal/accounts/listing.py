"""Reading accounts for the Accounts screen, its CSV export
and the API: filters, keyset pages, rows.

Pages are keyset pages on the primary key (newest first): `after=<id>` gives the accounts older than
`id`, `before=<id>` the ones newer. No page ever counts the whole table; `capped_count` counts at
most `COUNT_CAP` rows, which stays cheap at a million accounts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, TextField
from django.db.models.functions import Cast, Coalesce, Lower
from django.utils.translation import gettext_lazy

from portal.accounts import columns
from portal.accounts import search as account_search
from portal.accounts.models import Account
from portal.invitations.models import Invitation
from portal.lib.chunks import OneOf
from portal.lib.csvexport import safe_cell
from portal.organizations.models import Language, Organization

PAGE_SIZE = 50
MAX_LIMIT = 200
COUNT_CAP = 10_000
SEARCH_COUNT_CAP = 1_000  # a search's matches counted by the Accounts page
EXPORT_CHUNK = 2_000

LANGUAGE_NAMES = dict(Language.choices)  # English: the API's and the CSV's
# The languages as the portal's pages name them, in the admin's language.
LANGUAGE_LABELS = {
    Language.ENGLISH: gettext_lazy("English"),
    Language.ITALIAN: gettext_lazy("Italian"),
    Language.GERMAN: gettext_lazy("German"),
    Language.FRENCH: gettext_lazy("French"),
    Language.SPANISH: gettext_lazy("Spanish"),
}
assert set(LANGUAGE_LABELS) == set(Language.values), "a language without its on-screen label"


def language_choices() -> list[tuple[str, str]]:
    """Language.choices with the on-screen labels (the values stay the codes)."""
    return [(code, LANGUAGE_LABELS[code]) for code in Language.values]


# Sortable columns of the Accounts list: name -> the keys it sorts by (the id breaks ties).
# No `sort` (or `-created`) is newest first; `name`/`-name`, `contact`, `status`, `created`.
SORTS = {
    "name": lambda: (Lower("last_name"), Lower("first_name")),
    "contact": lambda: (Lower(Coalesce("email", "device_number")),),
    "status": lambda: (F("status"),),
    "created": lambda: (),
}


def clean_sort(value: str | None) -> str:
    """A known sort ("name", "-status", ...), else "" (newest first)."""
    value = (value or "").strip()
    return value if value.lstrip("-") in SORTS and value != "-created" else ""


@dataclass
class Filters:
    q: str = ""
    status: str = ""
    organization: Organization | None = None
    sort: str = ""

    def query_string(self, *, sort: bool = True) -> str:
        from urllib.parse import urlencode

        params = {
            "q": self.q,
            "status": self.status,
            "organization": self.organization.slug if self.organization else "",
            "sort": self.sort if sort else "",
        }
        return urlencode({k: v for k, v in params.items() if v})


def filtered(user, filters: Filters):
    """The accounts `user` may see that match `filters` (newest first)."""
    queryset = Account.objects.visible_to(user)
    if filters.organization is not None:
        queryset = queryset.filter(organization=filters.organization)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.q:
        return account_search.newest_first(queryset, filters.q, user)
    return queryset.order_by("-id")


def with_relations(queryset):
    """What a row shows: organization, group, number and the invitations (newest first)."""
    return queryset.select_related("organization", "permission_group", "number").prefetch_related(
        Prefetch("invitations", queryset=Invitation.objects.order_by("-id"))
    )


@dataclass
class Page:
    items: list[Account]
    next_after: int | None  # the cursor of the next (older) page, if any
    prev_before: int | None  # the cursor of the previous (newer) page, if any


def _beyond(keys: list[str], values: list, pk: int, op: str) -> Q:
    """Rows after (op "gt") or before ("lt") the row (values, pk) in the order keys + pk."""
    condition = Q(**{f"pk__{op}": pk})
    for key, value in reversed(list(zip(keys, values))):
        condition = Q(**{f"{key}__{op}": value}) | (Q(**{key: value}) & condition)
    return condition


def _sorted_page(queryset, sort: str, *, after, before, limit) -> Page:
    """A keyset page in a column's order (ties by id); the cursor is still an account id, whose
    sort values are read back (a cursor whose account is gone starts from the top)."""
    descending = sort.startswith("-")
    expressions = SORTS[sort.lstrip("-")]()
    keys = [f"_sort{i}" for i in range(len(expressions))]
    queryset = queryset.annotate(**dict(zip(keys, expressions)))
    order = [*keys, "pk"]
    forward = [f"-{k}" if descending else k for k in order]
    backward = [k[1:] if k.startswith("-") else f"-{k}" for k in forward]
    cursor = before if before is not None else after
    condition = None
    if cursor is not None:
        values = queryset.filter(pk=cursor).values_list(*keys).first() if keys else ()
        if values is not None:
            toward_end = before is None
            op = "lt" if descending == toward_end else "gt"
            condition = _beyond(keys, list(values), cursor, op)
    if before is not None and condition is not None:
        rows = list(queryset.filter(condition).order_by(*backward)[: limit + 1])
        more_before = len(rows) > limit
        rows = rows[:limit][::-1]
        return Page(
            items=rows,
            next_after=rows[-1].pk if rows else None,
            prev_before=rows[0].pk if rows and more_before else None,
        )
    page = queryset.filter(condition) if condition is not None else queryset
    rows = list(page.order_by(*forward)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(
        items=rows,
        next_after=rows[-1].pk if rows and more else None,
        prev_before=rows[0].pk if rows and condition is not None else None,
    )


def keyset_page(
    queryset,
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
    sort: str = "",
) -> Page:
    """One page of `queryset` (ordered by -id, or by `sort`) after or before a cursor; limit+1
    rows tell if there is more."""
    limit = max(1, min(limit, MAX_LIMIT))
    if sort:
        return _sorted_page(queryset, sort, after=after, before=before, limit=limit)
    if before is not None:
        rows = list(queryset.filter(pk__gt=before).reverse()[: limit + 1])  # oldest first
        more_newer = len(rows) > limit
        rows = rows[:limit][::-1]
        return Page(
            items=rows,
            next_after=rows[-1].pk if rows else None,
            prev_before=rows[0].pk if rows and more_newer else None,
        )
    if after is not None:
        queryset = queryset.filter(pk__lt=after)
    rows = list(queryset[: limit + 1])
    more_older = len(rows) > limit
    rows = rows[:limit]
    return Page(
        items=rows,
        next_after=rows[-1].pk if rows and more_older else None,
        prev_before=rows[0].pk if rows and after is not None else None,
    )


def count_cap(filters: Filters) -> int:
    """How far the Accounts page counts: COUNT_CAP, or SEARCH_COUNT_CAP for a search (each match
    counted is a row read: a first name shared by 33,000 accounts costs ~8,000 pages at 10,000)."""
    return min(COUNT_CAP, SEARCH_COUNT_CAP) if filters.q else COUNT_CAP


def capped_count(queryset, cap: int | None = None) -> tuple[int, bool]:
    """(count, capped): counts at most `cap` rows, so it stays cheap on a big table."""
    cap = COUNT_CAP if cap is None else cap
    n = account_search.listed_count(queryset)
    if n is None:
        whole = account_search.whole_words(queryset)  # a common word: its subset is enough
        if whole is not None and whole.order_by()[: cap + 1].count() > cap:
            return cap, True
        n = queryset.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def latest_invitation(account: Account) -> Invitation | None:
    """The newest invitation, from the prefetched list when there is one."""
    cache = getattr(account, "_prefetched_objects_cache", {})
    if "invitations" in cache:
        invitations = cache["invitations"]
        return invitations[0] if invitations else None
    return account.invitations.order_by("-id").first()


# ---------------------------------------------------------------- CSV export

# The account columns (portal.accounts.columns), then what the portal knows of each account.
EXPORT_COLUMNS = (
    "id",
    *columns.NAMES,
    "organization",
    "permission_group",
    "status",
    "created_at",
    "invitation_state",
    "invitation_sent_at",
    "invitation_expires_at",
    "invitation_attempts",
)
# The columns whose value is not the account's attribute of that name.
_EXPORTED = {
    "email": lambda account: account.contact,
    "multiline_number": lambda account: account.number.e164 if account.number_id else "",
}


def _iso(value) -> str:
    return value.isoformat() if value else ""


def export_row(account: Account) -> list[str]:
    invitation = latest_invitation(account)
    values = [
        account.pk,
        *(
            _EXPORTED[c.name](account)
            if c.name in _EXPORTED
            else c.write(getattr(account, c.attribute))
            for c in columns.COLUMNS
        ),
        account.organization.slug,
        account.permission_group.name,
        account.status,
        _iso(account.created_at),
        invitation.state if invitation else "",
        _iso(invitation.sent_at) if invitation else "",
        _iso(invitation.expires_at) if invitation else "",
        invitation.attempts if invitation else "",
    ]
    return values


# The export reads plain values (no model instance per row: those cost more than the rest of the
# export), each account column's cell made by its own `Column.write`, remembered per value.
_EXPORT_FIELDS = (
    "pk",
    "email",
    "device_number",
    "number__e164",
    *(c.attribute for c in columns.COLUMNS if c.name not in _EXPORTED),
    "organization__slug",
    "permission_group__name",
    "status",
    "_created_at",
)
_INVITATION_FIELDS = ("account_id", "state", "_sent_at", "_expires_at", "attempts")
# Timestamps are read as the database's text and written from it (`_iso_text`): parsing 100,000
# datetimes only to write them again cost more than a quarter of the export.
_STAMP = re.compile(r"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(\+00(?::?00)?|Z)?")


def _as_text(field: str):
    return Cast(field, TextField())


def _iso_text(text: str | None, naive_utc: bool) -> str:
    """What `_iso` writes of the timestamp the database gives as `text` ("2026-12-01
    18:38:00.12+00" -> "2026-12-01T18:38:00.120000+00:00"): UTC, microseconds only when not 0;
    a timestamp in another form (an offset, no seconds) is parsed and written by `_iso`."""
    if text is None:
        return ""
    match = _STAMP.fullmatch(text)
    if match is None or (match[4] is None and not naive_utc):
        return _iso(_parsed(text))
    day, time_of_day, fraction, _utc = match.groups()
    if fraction and fraction != "0" * len(fraction):
        return f"{day}T{time_of_day}.{fraction.ljust(6, '0')}+00:00"
    return f"{day}T{time_of_day}+00:00"


def _parsed(text: str):
    """A timestamp's text as Django reads it: aware, in UTC (naive: the connection's zone)."""
    from datetime import UTC

    from django.db import connection
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    value = parse_datetime(text)
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, connection.timezone)
    return value.astimezone(UTC)


def _cell_writers() -> list:
    """Per account column, in order: "contact", "number", the index of a free-text value in the
    row, or (index, its `Column.write`, the cells written so far by value)."""
    plan, index = [], 4
    for column in columns.COLUMNS:
        if column.name == "email":
            plan.append("contact")
        elif column.name == "multiline_number":
            plan.append("number")
        elif column.values:  # a few values (Yes/No, a language): remembered
            plan.append((index, column.write, {}))
            index += 1
        else:  # free text: as it is
            plan.append(index)
            index += 1
    return plan


def export_rows(queryset) -> Iterator[list]:
    """Every account of `queryset` (ordered by -id) as an export row, read in keyset chunks of
    plain values (and each chunk's latest invitations in one query): memory stays flat. Its cells
    are already safe for a spreadsheet: written by `csv_lines(..., made_safe=True)`."""
    from django.db import connection

    plan = _cell_writers()
    known: dict = {}  # organization slugs, group names, statuses, states: safe_cell once each

    def _safe_once(value):
        try:
            return known[value]
        except KeyError:
            return known.setdefault(value, safe_cell(value))

    naive_utc = connection.timezone_name == "UTC"  # SQLite's stored text has no offset
    queryset = queryset.annotate(_created_at=_as_text("created_at"))
    after = None
    while True:
        chunk = queryset if after is None else queryset.filter(pk__lt=after)
        rows = list(chunk.values_list(*_EXPORT_FIELDS)[:EXPORT_CHUNK])
        if not rows:
            return
        latest: dict[int, tuple] = {}
        invitations = (
            Invitation.objects.filter(OneOf("account_id", [row[0] for row in rows]))
            .annotate(_sent_at=_as_text("sent_at"), _expires_at=_as_text("expires_at"))
            .order_by("account_id", "-id")
            .values_list(*_INVITATION_FIELDS)
        )
        for account_id, *values in invitations:
            if account_id not in latest:
                latest[account_id] = values
        for row in rows:
            # Cells are made safe here (`made_safe`): text by safe_cell, a few values by safe_cell
            # once per value; the id, the attempts and the timestamps begin with a digit.
            cells = [row[0]]
            for how in plan:
                if how == "contact":
                    cells.append(safe_cell(row[1] or row[2]))
                elif how == "number":
                    cells.append(safe_cell(row[3]))
                elif how.__class__ is int:
                    cells.append(safe_cell(row[how]))
                else:
                    index, write, memo = how
                    value = row[index]
                    try:
                        cells.append(memo[value])
                    except KeyError:
                        cells.append(memo.setdefault(value, safe_cell(write(value))))
            invitation = latest.get(row[0])
            cells += (
                _safe_once(row[-4]),
                _safe_once(row[-3]),
                _safe_once(row[-2]),
                _iso_text(row[-1], naive_utc),
            )
            if invitation is None:
                cells += ("", "", "", "")
            else:
                state, sent_at, expires_at, attempts = invitation
                cells += (
                    _safe_once(state),
                    _iso_text(sent_at, naive_utc),
                    _iso_text(expires_at, naive_utc),
                    safe_cell(attempts),
                )
            yield cells
        if len(rows) < EXPORT_CHUNK:
            return
        after = rows[-1][0]
