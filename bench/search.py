"""Benchmark of Accounts and Numbers search at scale: `nice -n 10 python bench/search.py`.

Generates once (kept for later runs) 1,000,000 accounts over 500 organizations and 1,000,000
numbers, into PostgreSQL `ml_search_bench` (COPY) and the SQLite file /tmp/ml_search_bench.sqlite3
(executemany), then times the Accounts and Numbers pages through Django's test client, as the
operator and as an organization admin, for each kind of search, beside the same page without
search in the same run (p50/p95 over distinct queries), and streams the CSV export of the
organization with 100,000 accounts (time, memory growth).

    python bench/search.py [--databases sqlite,postgres] [--accounts 1000000] [--orgs 500]
                           [--repeat 20] [--regenerate] [--queries-only]
                           [--kinds "last 4 digits,number prefix (broad)"]

`--queries-only` times the database work alone (no whole page, no export); `--kinds` only those
kinds of search (the names of the tables' rows; the baseline without search is always timed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = os.environ.get("BENCH_SQLITE", "/tmp/ml_search_bench.sqlite3")
PG_DB = os.environ.get("BENCH_PG_DB", "ml_search_bench")
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
BIG_ORG_ACCOUNTS = 100_000  # organization 0: the export's 100,000 accounts

FIRST = [
    "Jürgen",
    "Anna",
    "Luca",
    "Sofía",
    "François",
    "Zoë",
    "Mateo",
    "Ingrid",
    "Søren",
    "Chloé",
    "Giulia",
    "Lukas",
    "Marta",
    "José",
    "Élodie",
    "Hannah",
    "Piotr",
    "Noémie",
    "Björn",
    "Aisha",
    "Oliver",
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Amelia",
    "Jack",
    "Isla",
    "Harry",
    "Ava",
]
BASE = [
    "Müller",
    "Rossi",
    "García",
    "Dubois",
    "Schmidt",
    "Bianchi",
    "Martínez",
    "Lefèvre",
    "Smith",
    "Jones",
    "Kowalski",
    "Novák",
    "Jensen",
    "Öztürk",
    "Fernández",
    "Moreau",
    "Ricci",
    "Weiß",
    "Brown",
    "Nguyen",
    "Papadopoulos",
    "Horváth",
    "O'Brien",
    "Łukasik",
    "Dvořák",
    "Andersson",
    "Costa",
    "Silva",
    "Janssen",
    "Lambert",
    "Marino",
    "Greco",
    "Bauer",
    "Koch",
    "Wagner",
    "Taylor",
    "Wilson",
    "Ferrari",
    "Romano",
    "Colombo",
]
SUFFIX = [
    "",
    "ová",
    "sen",
    "ini",
    "ez",
    "ski",
    "berg",
    "ton",
    "ello",
    "mann",
    "ard",
    "ier",
    "escu",
    "ić",
    "opoulos",
    "ovich",
    "stein",
    "wood",
    "field",
    "ley",
    "ow",
    "ak",
    "ek",
    "ani",
    "etti",
    "ès",
    "in",
    "on",
    "er",
    "is",
    "os",
    "as",
    "aro",
    "ado",
    "ista",
    "eau",
    "elli",
    "inho",
    "sson",
    "dottir",
    "ssen",
    "kamp",
    "hof",
    "dorf",
    "feld",
    "burg",
    "ling",
    "ner",
    "ger",
    "bach",
]


def number_of(i: int) -> str:
    return f"+4479{i:08d}"


def device_of(i: int) -> str:
    return f"+4477{i:08d}"


def person(i: int) -> tuple[str, str, str | None, str | None, bool]:
    """(first, last, email, device, has MultiLine number) of account i (0-based)."""
    first = FIRST[i % len(FIRST)]
    last = BASE[(i // 7) % len(BASE)] + SUFFIX[(i // 280) % len(SUFFIX)]
    kind = i % 10
    if kind == 9:
        return first, last, None, device_of(i), False
    email = f"{first}.{last}.{i}@bank{i % 500}.example".replace("'", "").replace(" ", "")
    return first, last, email.lower(), None, kind < 7


def organization_of(i: int, accounts: int, orgs: int) -> int:
    """Organization index (0..orgs-1): the first BIG_ORG_ACCOUNTS go to 0, the rest spread."""
    big = min(BIG_ORG_ACCOUNTS, accounts // 2)
    return 0 if i < big else 1 + (i - big) % (orgs - 1)


# ------------------------------------------------------------------ child process: one database


def setup_django(url: str):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-search-not-a-secret")
    os.environ.setdefault("VAR_DIR", "/tmp/ml_search_bench_var")
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    sys.path.insert(0, str(ROOT))
    # As a web process loads the portal: Django set up, startup's objects frozen (portal/wsgi.py).
    import portal.wsgi  # noqa: F401


def generate(accounts: int, orgs: int) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.access.models import Privilege
    from portal.access.services import admin_create, role_save
    from portal.accounts.models import Account
    from portal.accounts.search import search_fields
    from portal.numbers.models import Number
    from portal.organizations.models import Organization
    from portal.organizations.services import organization_create
    from portal.permissions.models import PermissionGroup

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    if Organization.objects.filter(slug="bench-0").exists():
        return {"generated": False}
    role = role_save(actor=None, name="Bench admin", privileges=Privilege.values)
    org_ids, group_ids = [], []
    for n in range(orgs):
        org = organization_create(
            actor=None, name=f"Bench {n}", slug=f"bench-{n}", features=["voice_calling", "sms"]
        )
        org_ids.append(org.pk)
        group_ids.append(PermissionGroup.objects.get(organization=org, is_default=True).pk)
    admin_create(
        actor=None,
        username="bench-admin",
        email="bench-admin@example.com",
        password="Correct-horse-9",
        role=role,
        organizations=[Organization.objects.get(slug="bench-1")],
    )
    admin_create(
        actor=None,
        username="bench-big-admin",
        email="bench-big@example.com",
        password="Correct-horse-9",
        role=role,
        organizations=[Organization.objects.get(slug="bench-0")],
    )
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("bench-operator", "op@example.com", "Operator-pass-1")
    now = timezone.now()
    vendor = connection.vendor

    number_cols = [
        "e164",
        "organization_id",
        "status",
        "reserved_for",
        "created_at",
        "updated_at",
        "e164_reversed",
    ]

    def number_rows():
        for i in range(accounts):
            e164 = number_of(i)
            org = org_ids[organization_of(i, accounts, orgs)]
            status = "assigned" if i % 10 < 7 else "available"
            yield (e164, org, status, "", now, now, e164[1:][::-1])

    account_fields = [f for f in Account._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in account_fields]
    defaults = {f.column: f.get_default() for f in account_fields}

    def account_rows(first_number_id: int):
        for i in range(accounts):
            first, last, email, device, numbered = person(i)
            text, reversed_device = search_fields(first, last, email, device)
            org = organization_of(i, accounts, orgs)
            row = dict(defaults)
            row.update(
                organization_id=org_ids[org],
                permission_group_id=group_ids[org],
                first_name=first,
                last_name=last,
                email=email,
                device_number=device,
                number_id=first_number_id + i if numbered else None,
                status="active" if numbered else "not_invited",
                created_at=now,
                updated_at=now,
                search_text=text,
                device_reversed=reversed_device,
            )
            yield tuple(row[c] for c in columns)

    with transaction.atomic():
        _load(connection, vendor, Number._meta.db_table, number_cols, number_rows())
    first_number_id = Number.objects.order_by("pk").values_list("pk", flat=True).first()
    last = Number.objects.filter(pk=first_number_id + accounts - 1, e164=number_of(accounts - 1))
    assert last.exists(), "numbers' ids are not consecutive: generate into an empty database"
    with transaction.atomic():
        _load(connection, vendor, Account._meta.db_table, columns, account_rows(first_number_id))
    with connection.cursor() as cursor:  # PostgreSQL: VACUUM also empties the GIN pending list
        cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
    return {"generated": True, "seconds": round(time.perf_counter() - start, 1)}


def _load(connection, vendor, table, columns, rows, chunk=20_000):
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) >= chunk:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def measure(
    accounts: int, orgs: int, repeat: int, *, kinds: list[str] | None = None, queries_only=False
) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from portal.access.scoping import forget_scope
    from portal.accounts import listing
    from portal.numbers.listing import filtered_numbers, page_counts
    from portal.numbers.listing import keyset_page as numbers_page
    from portal.numbers.services import counts_by_status

    users = get_user_model().objects
    operator = users.get(username="bench-operator")
    admin = users.get(username="bench-admin")
    big_admin = users.get(username="bench-big-admin")
    rnd = random.Random(12)

    def client_for(user):
        client = Client()
        client.force_login(user)
        return client

    def in_org(org_index: int) -> list[int]:
        return [i for i in range(accounts) if organization_of(i, accounts, orgs) == org_index]

    everyone = range(accounts)
    org1 = in_org(1)

    def queries(pool, kind: str) -> list[str]:
        out = []
        while len(out) < repeat:
            i = rnd.choice(pool)
            first, last, email, device, numbered = person(i)
            number = number_of(i)
            if kind == "surname":
                out.append(last)
            elif kind == "first name (common)":  # 1 account in 30: "anna" (33,334 of them)
                out.append(_plain(first).lower())
            elif kind == "first last (no accents)":
                out.append(_plain(f"{first} {last}"))
            elif kind == "last first":
                out.append(f"{last} {first}")
            elif kind == "email" and email:
                out.append(email)
            elif kind == "number +44 7900 123456" and numbered:
                out.append(f"+44 {number[3:7]} {number[7:]}")
            elif kind == "national 07900 123456" and numbered:
                out.append(f"0{number[3:7]} {number[7:]}")
            elif kind == "digits 447900123456" and numbered:
                out.append(number[1:])
            elif kind == "last 4 digits" and numbered:
                out.append(number[-4:])
            elif kind == "device number" and device:
                out.append(f"0{device[3:7]} {device[7:]}")
            elif kind == "number prefix (broad)":
                out.append(f"+44 {number[3:7]} {number[7:9]}")
        return out

    all_kinds = [
        "surname",
        "first name (common)",
        "first last (no accents)",
        "last first",
        "email",
        "number +44 7900 123456",
        "national 07900 123456",
        "digits 447900123456",
        "last 4 digits",
        "device number",
        "number prefix (broad)",
    ]
    unknown = set(kinds or ()) - set(all_kinds)
    assert not unknown, f"unknown kinds: {sorted(unknown)}"
    kinds = [kind for kind in all_kinds if kinds is None or kind in kinds]

    def stats(times: list[float]) -> dict:
        times = sorted(times)
        return {
            "p50": round(statistics.median(times), 1),
            "p95": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
            "n": len(times),
        }

    def timed(client, path, params_list) -> dict:
        times = []
        client.get(path, params_list[0])  # warm
        for params in params_list:
            start = time.perf_counter()
            response = client.get(path, params)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, params, response.status_code)
        return stats(times)

    def accounts_query(user, q: str) -> None:
        """The database work of an Accounts page: its keyset page (relations too), and the capped
        count as the page makes it (none when the page holds every match)."""
        filters = listing.Filters(q=q)
        queryset = listing.filtered(user, filters)
        page = listing.keyset_page(listing.with_relations(queryset))
        if page.next_after is not None:
            listing.capped_count(queryset, listing.count_cap(filters))

    def numbers_query(user, q: str) -> None:
        numbers, scope = filtered_numbers(user, q=q)
        numbers_page(numbers, q=q)

    def numbers_counts(user, q: str) -> None:
        """The scope's numbers counted by status (what the page did on every view before)."""
        numbers, scope = filtered_numbers(user, q=q)
        counts_by_status(scope)

    def numbers_page_counts(user, q: str) -> None:
        """The page's header as the page makes it: a big scope's counts kept COUNTS_TTL s."""
        numbers, scope = filtered_numbers(user, q=q)
        page_counts(scope)

    def query_timed(run, user, qs: list[str]) -> dict:
        run(user, qs[0])
        times = []
        for q in qs:
            forget_scope(user)
            start = time.perf_counter()
            run(user, q)
            times.append((time.perf_counter() - start) * 1000)
        return stats(times)

    results = {
        "vendor": connection.vendor,
        "accounts": {},
        "numbers": {},
        "accounts query": {},
        "numbers query": {},
    }
    number_kinds = [
        kind
        for kind in (
            "number +44 7900 123456",
            "national 07900 123456",
            "last 4 digits",
            "number prefix (broad)",
        )
        if kind in kinds
    ]
    for who, user, pool in (("operator", operator, everyone), ("org admin", admin, org1)):
        client = client_for(user)
        chosen = {kind: queries(pool, kind) for kind in all_kinds}  # the same, whatever --kinds
        query_rows = {"no search (baseline)": query_timed(accounts_query, user, [""] * repeat)}
        for kind in kinds:
            query_rows[kind] = query_timed(accounts_query, user, chosen[kind])
        results["accounts query"][who] = query_rows
        number_rows = {
            "no search (baseline)": query_timed(numbers_query, user, [""] * repeat),
            "(counts by status, counted)": query_timed(numbers_counts, user, [""] * repeat),
            "(the page's counts by status)": query_timed(numbers_page_counts, user, [""] * repeat),
        }
        for kind in number_kinds:
            number_rows[kind] = query_timed(numbers_query, user, chosen[kind])
        results["numbers query"][who] = number_rows
        if queries_only:
            continue
        rows = {"no search (baseline)": timed(client, "/accounts/", [{}] * repeat)}
        for kind in kinds:
            rows[kind] = timed(client, "/accounts/", [{"q": q} for q in chosen[kind]])
        results["accounts"][who] = rows
        numbers = {"no search (baseline)": timed(client, "/numbers/", [{}] * repeat)}
        for kind in number_kinds:
            numbers[kind] = timed(client, "/numbers/", [{"q": q} for q in chosen[kind]])
        results["numbers"][who] = numbers

    if queries_only:
        return results
    client = client_for(big_admin)
    start_rss = _rss_kb()
    peak = start_rss
    start = time.perf_counter()
    response = client.get(_export_path(), {"organization": "bench-0"})
    lines = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        if lines % 5000 < 3:
            peak = max(peak, _rss_kb())
    results["export"] = {
        "rows": lines - 1,
        "seconds": round(time.perf_counter() - start, 2),
        "rss_growth_mb": round((max(peak, _rss_kb()) - start_rss) / 1024, 1),
    }
    return results


def _plain(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _export_path() -> str:
    from django.urls import reverse

    return reverse("accounts:export")


def child(args) -> None:
    url = PG_URL if args.child == "postgres" else f"sqlite:///{SQLITE_PATH}"
    if args.child == "postgres":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone()
            if args.regenerate and exists:
                c.execute(f"DROP DATABASE {PG_DB}")
                exists = None
            if not exists:
                c.execute(f"CREATE DATABASE {PG_DB}")
            # As docs/deploy.md recommends on SSD (the planner's cost of reading an index).
            c.execute(f"ALTER DATABASE {PG_DB} SET random_page_cost = 1.1")
    elif args.regenerate and os.path.exists(SQLITE_PATH):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(SQLITE_PATH + suffix):
                os.remove(SQLITE_PATH + suffix)
    setup_django(url)
    generated = generate(args.accounts, args.orgs)
    print(json.dumps({"generate": generated}), file=sys.stderr, flush=True)
    if args.generate_only:
        print(json.dumps({"generate": generated}))
        return
    kinds = args.kinds.split(",") if args.kinds else None
    result = measure(
        args.accounts, args.orgs, args.repeat, kinds=kinds, queries_only=args.queries_only
    )
    result["generate"] = generated
    print(json.dumps(result))


def table(results: list[dict]) -> str:
    lines = []
    for section in ("accounts query", "accounts", "numbers query", "numbers"):
        if not results[0][section]:
            continue
        label = section.capitalize() + ("" if "query" in section else " page")
        head = (
            "| "
            + label
            + " | "
            + " | ".join(f"{r['vendor']} {who} p50 / p95 ms" for r in results for who in r[section])
            + " |"
        )
        lines += [head, "|" + " --- |" * (1 + sum(len(r[section]) for r in results))]
        kinds = list(results[0][section]["operator"])
        for kind in kinds:
            cells = [
                f"{r[section][who][kind]['p50']} / {r[section][who][kind]['p95']}"
                for r in results
                for who in r[section]
            ]
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")
        lines.append("")
    if "export" not in results[0]:
        return "\n".join(lines)
    lines.append("| Export (CSV, streamed) | rows | seconds | memory growth (MB) |")
    lines.append("| --- | --- | --- | --- |")
    for r in results:
        e = r["export"]
        lines.append(f"| {r['vendor']} | {e['rows']:,} | {e['seconds']} | {e['rss_growth_mb']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--orgs", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--queries-only", action="store_true")
    parser.add_argument("--kinds", default="")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    results = []
    for name in args.databases.split(","):
        command = [
            sys.executable,
            __file__,
            "--child",
            name,
            "--accounts",
            str(args.accounts),
            "--orgs",
            str(args.orgs),
            "--repeat",
            str(args.repeat),
        ]
        if args.regenerate:
            command.append("--regenerate")
        if args.generate_only:
            command.append("--generate-only")
        if args.queries_only:
            command.append("--queries-only")
        if args.kinds:
            command += ["--kinds", args.kinds]
        out = subprocess.run(command, check=True, capture_output=True, text=True)
        sys.stderr.write(out.stderr[-2000:])
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    if args.generate_only:
        print(json.dumps(results))
        return
    print(table(results))
    print(json.dumps(results), file=sys.stderr)


if __name__ == "__main__":
    main()
