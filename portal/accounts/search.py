"""Accounts search: what is stored for it, how every write keeps it right, and the query.

Every account carries two derived columns, computed by `search_fields` in one place:
- `search_text`: the folded words of first name, last name and email (`portal.lib.search`),
  indexed by PostgreSQL's full-text GIN index `account_search_fts` or SQLite's FTS5 table
  `accounts_account_search` (kept by triggers on the accounts table);
- `device_reversed`: the device number's digits reversed (B-tree index: last digits).

Writes: `Account.save()`, the manager's `bulk_create`/`bulk_update`/`update` and `build_accounts`
(the single add and the batch import) set them. Code that writes account rows another way (raw
INSERT, COPY) calls `search_fields(first_name, last_name, email, device_number)` for each row
(or `set_search_fields(account)` on the instance) and writes the two values with the row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection
from django.db.models import BooleanField, Expression, F, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.db.models.sql.where import AND

from portal.lib import search as lib
from portal.numbers.models import Number

SOURCE_FIELDS = ("first_name", "last_name", "email", "device_number")
SEARCH_FIELDS = ("search_text", "device_reversed")
NUMBER_IDS_CAP = 2_000  # numbers matched first and given as ids; above, a subquery
SMALL_SCOPE = 5_000  # words searched in a scope this small by its rows (`words_q`)
ACCOUNT_IDS_CAP = 20_000  # a number's matching accounts read as ids; above, a subquery

FTS_TABLE = "accounts_account_search"
PG_INDEX = "account_search_fts"

SQLITE_FTS = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_text, "
    "content='accounts_account', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', prefix='1 2 3')"
)
SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_ai": (
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON accounts_account BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
    f"{FTS_TABLE}_ad": (
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON accounts_account BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    ),
    f"{FTS_TABLE}_au": (
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF search_text "
        f"ON accounts_account BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
}
# Rows written since the last VACUUM wait in the GIN index's pending list, which every search
# reads through: a limit of 1 MB (default 4 MB) keeps that under a few milliseconds.
PG_CREATE = (
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON accounts_account "
    "USING gin (to_tsvector('simple'::regconfig, search_text)) WITH (gin_pending_list_limit = 1024)"
)


def search_fields(first_name, last_name, email, device_number) -> tuple[str, str]:
    """(search_text, device_reversed) of an account with these values."""
    return lib.search_text(first_name, last_name, email), lib.reversed_digits(device_number)


def set_search_fields(account):
    """Set the account's search columns from its own values (before it is written); returns it."""
    account.search_text, account.device_reversed = search_fields(
        account.first_name, account.last_name, account.email, account.device_number
    )
    return account


def reindex(ids: Iterable[int] | None = None) -> int:
    """Recompute the search columns of these accounts (all with None); how many changed."""
    from portal.accounts.models import Account  # cycle: accounts.models <-> accounts.search

    rows = Account.objects.order_by("pk").only(*SOURCE_FIELDS, *SEARCH_FIELDS)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    changed = []
    for account in rows.iterator(chunk_size=2_000):
        before = (account.search_text, account.device_reversed)
        if before != search_fields(
            account.first_name, account.last_name, account.email, account.device_number
        ):
            changed.append(set_search_fields(account))
    Account.objects.bulk_update(changed, SEARCH_FIELDS, batch_size=500)
    return len(changed)


# ------------------------------------------------------------------ index (DDL), by backend


def create_index(schema_editor) -> None:
    """The full-text index of `search_text` on this backend (migration and post_migrate)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE)
    elif vendor == "sqlite":
        ensure_sqlite_index(schema_editor.connection)


def drop_index(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def ensure_sqlite_index(conn) -> bool:
    """Create the FTS5 table and its triggers when missing (Django's SQLite migrations rebuild a
    table to alter it, which drops its triggers) and refill it then; True when it had to."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'accounts_account'")
        if cursor.fetchone() is None:
            return False
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') "
            f"AND name LIKE '{FTS_TABLE}%'"
        )
        present = {row[0] for row in cursor.fetchall()}
        if present >= {FTS_TABLE, *SQLITE_TRIGGERS}:
            return False
        cursor.execute(SQLITE_FTS)
        for sql in SQLITE_TRIGGERS.values():
            cursor.execute(sql)
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    return True


def ensure_index_after_migrate(sender=None, using="default", **kwargs) -> None:
    from django.db import connections

    if connections[using].vendor == "sqlite":
        ensure_sqlite_index(connections[using])


# ------------------------------------------------------------------ query


class _Condition(Expression):
    """A condition on one column (`expression`, resolved on the query's own alias of the table)
    with one bound value, written by the subclass's `as_sql`."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, expression, value: str):
        super().__init__()
        self.expression = expression
        self.value = value

    def get_source_expressions(self):
        return [self.expression]

    def set_source_expressions(self, exprs):
        (self.expression,) = exprs


class _PgWordsMatch(_Condition):
    """`to_tsvector('simple', search_text) @@ to_tsquery('simple', terms)`: the expression of the
    GIN index."""

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.expression)
        return (
            f"to_tsvector('simple'::regconfig, {sql}) @@ to_tsquery('simple'::regconfig, %s)",
            [*params, self.value],
        )


def words_q(query_words: list[str], *, small_scope: bool = False) -> Q:
    """Accounts where every word begins a word of the name or email, by the backend's index.

    In a small scope (`is_small_scope`: an organization's 1,800 accounts) the stored words of
    the scope's rows are tested instead, read through the scope's index newest first (~5 ms).
    For a common word ("anna": 33,000 accounts, 60 of them in the organization) SQLite's planner
    always starts from the FTS5 table and probes every one of those rowids (~60-110 ms), and
    PostgreSQL reads the whole GIN entry of the word to AND it with the organization (~20-45 ms).
    """
    terms = lib.fts_terms(query_words, vendor_name=connection.vendor)
    if connection.vendor == "postgresql" and not small_scope:
        return Q(_PgWordsMatch(F("search_text"), terms))
    if connection.vendor == "sqlite" and not small_scope:
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        return Q(pk__in=RawSQL(sql, [terms]))
    # The stored words, unindexed (a small scope, another backend): each typed word
    # begins one of them ("jurgen muller bank example"; words are letters and digits only).
    condition = Q()
    for word in query_words:
        condition &= Q(search_text__startswith=word) | Q(search_text__contains=" " + word)
    return condition


class _IdIn(_Condition):
    """The primary key (or another id column) is one of the ids listed ("1,2,3"), given as one
    bound value. PostgreSQL:
    `id = ANY(array)`, its B-tree walking the array in the index's order, so `ORDER BY id DESC
    LIMIT 51` reads 51 rows (the array behind a sub-select: planning a constant of 7,000 values
    costs ~5 ms); SQLite: `id IN (SELECT value FROM json_each(...))`, walked in order too.

    `scope`: the queryset the ids were read from, when they are its matches (`listed_count`)."""

    def __init__(self, expression, value: str, *, scope=None):
        super().__init__(expression, value)
        self.scope_conditions = None if scope is None else len(scope.query.where.children)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.expression)
        listed = self.value
        if connection.vendor == "postgresql":
            array = "{" + listed + "}"
            return f"{sql} = ANY((SELECT %s::bigint[])::bigint[])", [*params, array]
        if connection.vendor == "sqlite":
            return f"{sql} IN (SELECT value FROM json_each(%s))", [*params, "[" + listed + "]"]
        return f"{sql} IN ({listed or 'NULL'})", params


def _own_conditions(queryset) -> list[tuple[int, _Condition]]:
    """This module's conditions among `queryset`'s top-level ones (as `filter(Q(condition))`
    stores them: `condition = True`), with their places; none unless every condition must hold."""
    where = queryset.query.where
    if where.connector != AND or where.negated:
        return []
    return [
        (index, child.lhs)
        for index, child in enumerate(where.children)
        if isinstance(child, Exact) and child.rhs is True and isinstance(child.lhs, _Condition)
    ]


def listed_count(queryset) -> int | None:
    """How many accounts `queryset` holds when it is a number search's listed ids (`newest_first`)
    with no condition added since: those ids were read from its very conditions, so the count is
    theirs, and needs no query (for 1,000 ids: 1,000 look-ups of the primary key, ~3,000 index
    pages). None otherwise (a queryset filtered further: counted by the database)."""
    last = len(queryset.query.where.children) - 1
    ids = dict(_own_conditions(queryset)).get(last)
    if not isinstance(ids, _IdIn) or ids.scope_conditions != last:
        return None
    return ids.value.count(",") + 1 if ids.value else 0


def whole_words(queryset):
    """`queryset` with its words matched whole rather than as prefixes, when it is a full-text
    search on PostgreSQL ("anna:* & rossi:*" → "anna & rossi"), else None. It holds a subset of
    `queryset`'s matches, counted faster: PostgreSQL reads a prefix's every index entry into a
    bitmap before the count's first row ("anna:*", 33,334 accounts: 14–17 ms), a whole word's
    entry as it goes (~4 ms). When the subset alone reaches a count's cap, so does `queryset`
    (`listing.capped_count`)."""
    for index, match in _own_conditions(queryset):
        if isinstance(match, _PgWordsMatch):
            if ":*" not in match.value:
                return None
            whole = queryset.all()  # a clone: its where's children are a list of its own
            whole.query.where.children[index] = Exact(
                _PgWordsMatch(match.expression, match.value.replace(":*", "")), True
            )
            return whole
    return None


def numbers_q(query: lib.Query, user) -> Q:
    """Accounts whose device number or MultiLine number the digits of `query` begin or end."""
    from portal.accounts.models import Account  # cycle: accounts.models <-> accounts.search

    condition = lib.number_q(query, "device_number", "device_reversed")
    numbers = _numbers(query, user)
    ids = _number_ids(query, user)
    if len(ids) > NUMBER_IDS_CAP:
        # Many numbers (a short prefix): one id list of both kinds of match, so that the page and
        # its count read indexes instead of testing every account against a subquery.
        by_number = Account.objects.filter(number_id__in=numbers.order_by().values("pk"))
        by_device = Account.objects.filter(condition)
        return Q(pk__in=by_number.order_by().values("pk").union(by_device.order_by().values("pk")))
    return condition | Q(number_id__in=ids) if ids else condition


def _numbers(query: lib.Query, user):
    numbers = Number.objects.all() if user is None else Number.objects.visible_to(user)
    return numbers.filter(lib.number_q(query, "e164", "e164_reversed"))


def _number_ids(query: lib.Query, user) -> list[int]:
    """The ids of the first NUMBER_IDS_CAP + 1 numbers `query` means (in number order)."""
    numbers = Number.objects.all() if user is None else Number.objects.visible_to(user)
    found = lib.first_numbers(numbers, query, fields=("pk",), limit=NUMBER_IDS_CAP + 1)
    return [pk for pk, _e164 in found]


def number_matches(queryset, query: lib.Query, user) -> str | None:
    """The ids of the accounts of `queryset` whose device number or MultiLine number the digits
    of `query` begin or end, read from the indexes (no order, no join) as "3,1,2": at most
    ACCOUNT_IDS_CAP of them, else None."""
    condition = lib.number_q(query, "device_number", "device_reversed")
    numbers = _numbers(query, user)
    ids = _number_ids(query, user)
    scoped = queryset.order_by().annotate(found_id=F("pk"))
    if len(ids) <= NUMBER_IDS_CAP and not lib.reads_ranges_apart():
        found = scoped.filter(condition | Q(number_id__in=ids) if ids else condition)
        matches = found.values_list("found_id", flat=True)
    else:
        # PostgreSQL: the accounts of the numbers from the index of `number_id` alone (it covers
        # the id and the organization), their devices apart; the numbers' ids as one array (1,000
        # values bound one by one cost ~5 ms of Python).
        if len(ids) <= NUMBER_IDS_CAP:
            by_number = scoped.filter(_IdIn(F("number_id"), ",".join(map(str, ids))))
        else:
            by_number = scoped.filter(number_id__in=numbers.order_by().values("pk"))
        by_device = scoped.filter(condition)
        matches = by_number.values_list("found_id", flat=True).union(
            by_device.values_list("found_id", flat=True)
        )
    return _listed(matches[: ACCOUNT_IDS_CAP + 1], ACCOUNT_IDS_CAP)


_LISTED = re.compile(r"\d+(?:,\d+)*")


def _listed(ids, cap: int) -> str | None:
    """The ids a `values_list("found_id", flat=True)` query reads, as one text "3,1,2" made by
    the database (7,000 rows through the driver cost more than the query), None above `cap`."""
    sql, params = ids.query.sql_with_params()
    if connection.vendor == "postgresql":
        aggregate = "string_agg(found.found_id::text, ',')"
    elif connection.vendor == "sqlite":
        aggregate = "group_concat(found.found_id, ',')"
    else:
        values = [str(pk) for pk in ids]
        return ",".join(values) if len(values) <= cap else None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), {aggregate} FROM ({sql}) found", params)
        count, listed = cursor.fetchone()
    if count > cap:
        return None
    listed = listed or ""
    assert not listed or _LISTED.fullmatch(listed), "ids are integers"
    return listed


def search(queryset, q: str, user=None):
    """The accounts of `queryset` that `q` finds: a number (any format, first or last digits), or
    words that each begin a word of the name or email ("Jurgen", "muller jur", "j.muller@bank"),
    or a whole email address (that address, whatever its case)."""
    query = lib.parse(q)
    if not query:
        return queryset
    if query.is_number:
        return queryset.filter(numbers_q(query, user))
    if query.email:  # a whole address: the account that has it (unique index on lower(email))
        return queryset.filter(Exact(Lower("email"), query.email))
    return queryset.filter(words_q(query.words, small_scope=is_small_scope(queryset)))


def is_small_scope(queryset) -> bool:
    """Whether `queryset` (before the search) is restricted (an organization, a status) to at
    most SMALL_SCOPE accounts, counted through its own index up to that many (~0.5 ms)."""
    if not queryset.query.where:  # every account (the operator): the full-text index
        return False
    return queryset.order_by()[: SMALL_SCOPE + 1].count() <= SMALL_SCOPE


def newest_first(queryset, q: str, user=None):
    """`search`, newest first, in an order that lets the database stop at the page.

    A number: its matching accounts' ids are read first (`number_matches`), and the page is the
    newest of those ids through the primary key, so a broad prefix (7,000 accounts) or three
    last digits (1,000) no longer joins and sorts every match; the count is how many ids
    (`listed_count`). On PostgreSQL the numbers' ranges are read apart (`lib.first_numbers`) and
    their accounts from the covering index of `number_id` (migration 0004).
    Beyond ACCOUNT_IDS_CAP matches: by `id + 0`, the matches read from the indexes, then sorted
    (ordered by the bare id, PostgreSQL walks the primary key backwards testing every account
    when it expects matches to be spread evenly, and numbers seldom are: assigned in ranges).

    Words and an address: by the bare id, so that the planner may choose. For a common word (a
    first name of 33,000 accounts) walking the primary key finds the newest 50 in ~1,500 rows
    (~10 ms) where reading and sorting every match visits 27,000 pages (~250-400 ms); for a rare
    one the statistics of the full-text index say so, and it reads the matches and sorts them."""
    query = lib.parse(q)
    if query.is_number:
        listed = number_matches(queryset, query, user)
        if listed is not None:
            return queryset.filter(_IdIn(F("pk"), listed, scope=queryset)).order_by("-id")
        return queryset.filter(numbers_q(query, user)).order_by((F("id") + 0).desc())
    return search(queryset, q, user).order_by("-id")
