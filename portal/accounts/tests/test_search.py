"""Accounts and Numbers search: every form finds the right rows, on SQLite and PostgreSQL, through
the list page, and every write path keeps what is searched right."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from portal.accounts import listing
from portal.accounts.lifecycle import account_edit, accounts_delete
from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.conftest import add_numbers

JURGEN_NUMBER = "+447911123456"
JURGEN_DEVICE = "+447912654321"


@pytest.fixture
def people(alice, charlie, org_a, org_b):
    add_numbers(org_a, [JURGEN_NUMBER, "+447911000111"])
    jurgen = account_add(
        actor=alice,
        organization=org_a,
        data={
            "first_name": "Jürgen",
            "last_name": "Müller",
            "email": "jurgen.muller@bank.example",
            "multiline_number": JURGEN_NUMBER,
        },
    )
    device = account_add(
        actor=alice,
        organization=org_a,
        data={"first_name": "Søren", "last_name": "O'Brien-Łukasz", "email": JURGEN_DEVICE},
    )
    ada = account_add(
        actor=alice,
        organization=org_a,
        data={"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
    )
    bert = account_add(
        actor=charlie,
        organization=org_b,
        data={
            "first_name": "Jürgen",
            "last_name": "Brecht",
            "email": "jurgen.brecht@insurer.example",
        },
    )
    return {"jurgen": jurgen, "device": device, "ada": ada, "bert": bert}


def found(user, q, people) -> set[str]:
    names = {account.pk: name for name, account in people.items()}
    rows = listing.filtered(user, listing.Filters(q=q))
    return {names[pk] for pk in rows.values_list("pk", flat=True)}


@pytest.mark.parametrize(
    "q,expected",
    [
        ("Jurgen", {"jurgen"}),  # accent-insensitive
        ("JÜRGEN", {"jurgen"}),  # case-insensitive
        ("müller", {"jurgen"}),
        ("Muller Jurgen", {"jurgen"}),  # last first
        ("Jurgen Muller", {"jurgen"}),
        ("jür mül", {"jurgen"}),  # beginnings of words
        ("jurgen.muller@bank.example", {"jurgen"}),
        ("JURGEN.MULLER@BANK", {"jurgen"}),
        ("Jurgen.Muller@Bank.Example", {"jurgen"}),  # a whole address, any case
        ("bank.example", {"jurgen"}),  # the email's domain
        ("soren", {"device"}),  # ø
        ("lukasz obrien", set()),  # "o'brien" is two words: o, brien
        ("o brien lukasz", {"device"}),
        ("Lovelace", {"ada"}),
        ("lace", set()),  # words match by their beginning, not inside
        ("nobody", set()),
    ],
)
def test_it_finds_accounts_by_name_and_email(alice, people, q, expected):
    assert found(alice, q, people) == expected


@pytest.mark.parametrize(
    "q,expected",
    [
        ("+44 7911 123456", {"jurgen"}),  # the MultiLine number, international
        ("447911123456", {"jurgen"}),
        ("0044 7911 123456", {"jurgen"}),
        ("07911 123456", {"jurgen"}),  # national
        ("07911-123456", {"jurgen"}),
        ("(07911) 123 456", {"jurgen"}),
        ("3456", {"jurgen"}),  # last digits
        ("123456", {"jurgen"}),
        ("+44 7912 654321", {"device"}),  # the device number, in every format
        ("07912 654321", {"device"}),
        ("447912654321", {"device"}),
        ("4321", {"device"}),
        ("+44 791", {"jurgen", "device"}),  # first digits
        ("07911", {"jurgen"}),
        ("911", set()),  # neither first nor last digits
        ("+3456", set()),  # "+" means the first digits
    ],
)
def test_it_finds_accounts_by_number_in_any_format(alice, people, q, expected):
    assert found(alice, q, people) == expected


def test_an_organization_admin_finds_only_accounts_in_scope(alice, charlie, operator, people):
    assert found(charlie, "jurgen", people) == {"bert"}
    assert found(alice, "jurgen", people) == {"jurgen"}
    assert found(operator, "jurgen", people) == {"jurgen", "bert"}
    assert found(charlie, "3456", people) == set()
    assert found(operator, "3456", people) == {"jurgen"}


def test_the_list_page_and_the_api_search_the_same_way(login, api, alice, people):
    body = login(alice).get(reverse("accounts:list"), {"q": "Muller Jurgen"}).content.decode()
    assert "jurgen.muller@bank.example" in body and "ada@example.com" not in body
    response = api(alice).get("/api/v1/accounts", {"q": "07911 123456"})
    assert response.status_code == 200, response.content
    emails = [row.get("email") for row in response.json()["items"]]
    assert emails == ["jurgen.muller@bank.example"]


def test_edits_renames_and_deletes_keep_the_search_right(alice, people):
    account_edit(
        actor=alice, account=people["ada"], data={"first_name": "Augusta", "last_name": "King"}
    )
    assert found(alice, "lovelace", people) == set()
    assert found(alice, "king augusta", people) == {"ada"}

    # a queryset update
    Account.objects.filter(pk=people["device"].pk).update(last_name="Kierkegaard")
    assert found(alice, "kierkegaard soren", people) == {"device"}
    assert found(alice, "brien", people) == set()

    accounts_delete(actor=alice, accounts=Account.objects.filter(pk=people["ada"].pk))
    assert found(alice, "king", people) == set()
    assert found(alice, "ada", people) == set()


def test_accounts_written_in_bulk_are_searchable(alice, org_a, group_a, people):
    Account.objects.bulk_create(
        [
            Account(
                organization=org_a,
                permission_group=group_a,
                first_name="Zoë",
                last_name=f"Bulk{i}",
                email=f"zoe{i}@example.com",
            )
            for i in range(3)
        ]
    )
    rows = listing.filtered(alice, listing.Filters(q="zoe"))
    assert sorted(rows.values_list("last_name", flat=True)) == ["Bulk0", "Bulk1", "Bulk2"]


def test_numbers_search_by_first_and_last_digits(login, alice, people):
    add_numbers(people["jurgen"].organization, ["+447911222333"])
    client = login(alice)

    def numbers(q):
        body = client.get(reverse("numbers:list"), {"q": q}).content.decode()
        return {
            n
            for n in ("+447911123456", "+447911000111", "+447911222333")
            if n in body or n[3:] in body.replace(" ", "")
        }

    assert numbers("2333") == {"+447911222333"}
    assert numbers("07911 000111") == {"+447911000111"}
    assert numbers("+44 7911 12") == {"+447911123456"}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 table and its triggers")
def test_sqlite_search_triggers_come_back_after_a_table_rebuild(alice, people):
    from portal.accounts.search import SQLITE_TRIGGERS, ensure_sqlite_index

    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")  # what Django's table rebuild does to them
    assert ensure_sqlite_index(connection) is True
    assert found(alice, "lovelace", people) == {"ada"}
    account_edit(actor=alice, account=people["ada"], data={"last_name": "King"})
    assert found(alice, "king", people) == {"ada"}
    assert ensure_sqlite_index(connection) is False


def test_postgresql_answers_a_name_search_from_the_full_text_index(postgres_only, operator, people):
    rows = listing.filtered(operator, listing.Filters(q="Muller Jurgen"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = rows.explain()
    assert "account_search_fts" in plan, plan


# ---------------------------------------------------------------- sortable columns


@pytest.mark.parametrize(
    "sort,expected",
    [
        ("name", ["Lovelace", "Müller", "Brien-Łukasz"]),  # o'brien after müller
        ("-name", ["Brien-Łukasz", "Müller", "Lovelace"]),
        ("contact", ["Brien-Łukasz", "Lovelace", "Müller"]),  # +44… sorts before letters
        ("", ["Lovelace", "Brien-Łukasz", "Müller"]),  # newest first
    ],
)
def test_keyset_pages_follow_the_sorted_column(alice, people, sort, expected):
    queryset = listing.filtered(alice, listing.Filters())
    seen, after = [], None
    for _ in range(5):
        page = listing.keyset_page(queryset, after=after, limit=1, sort=sort)
        seen += [a.last_name.replace("O'", "") for a in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == expected
    # and back: the page before the last one is the middle one
    assert page.prev_before == page.items[0].pk
    back = listing.keyset_page(queryset, before=page.prev_before, limit=1, sort=sort)
    assert [a.last_name.replace("O'", "") for a in back.items] == [expected[1]]


def test_the_list_sorts_by_a_column_with_keyboard_reachable_links(login, alice, people):
    client = login(alice)
    body = client.get(reverse("accounts:list"), {"q": "", "sort": "name"}).content.decode()
    assert '<th aria-sort="ascending"><a class="sort" href="?sort=-name">Name' in body
    assert '<th aria-sort="none"><a class="sort" href="?sort=status">Status' in body
    assert body.index("Lovelace") < body.index("Müller")
    body = client.get(reverse("accounts:list"), {"q": "jurgen", "sort": "-name"}).content.decode()
    assert 'href="?q=jurgen&amp;sort=name"' in body  # the filters stay
    assert client.get(reverse("accounts:list"), {"sort": "bogus"}).status_code == 200


def test_accounts_imported_in_bulk_are_searchable(alice, org_a, group_a):
    """The batch import's insert path (build_account + insert_many) writes the search columns."""
    from django.db import transaction

    from portal.accounts.bulk import accounts_add_many

    add_numbers(org_a, ["+447911222333"])
    usual = {"social_messaging": "No", "monitor_calls": "off", "monitor_sms": "off"}
    rows = [
        (2, {**usual, "firstname": "Élodie", "lastname": "Núñez", "email": "elodie@bank.example"}),
        (
            3,
            {
                **usual,
                "firstname": "Piotr",
                "lastname": "Wiśniewski",
                "email": "+447912111222",
                "multiline_number": "+447911222333",
            },
        ),
    ]
    with transaction.atomic():
        outcomes = accounts_add_many(
            actor=alice, organization=org_a, permission_group=group_a, rows=rows
        )
    assert Account.objects.filter(last_name__in=["Núñez", "Wiśniewski"]).count() == 2, outcomes

    def by(q):
        rows = listing.filtered(alice, listing.Filters(q=q))
        return sorted(rows.values_list("last_name", flat=True))

    assert by("elodie nunez") == ["Núñez"]
    assert by("wisniewski") == ["Wiśniewski"]
    assert by("1222") == ["Wiśniewski"]  # the device number's last digits
    assert by("07911 222333") == ["Wiśniewski"]  # the MultiLine number, national


NUMBER_QUERIES = ["+44 791", "07911", "3456", "4321", "+44 7912 654321", "911", "447911123456"]


def _pages(user, q, limit=1):
    """Every page of a search, newest first, then back again from the last: the ids seen."""
    queryset = listing.filtered(user, listing.Filters(q=q))
    forward, after, page = [], None, None
    for _ in range(10):
        page = listing.keyset_page(queryset, after=after, limit=limit)
        forward.append([a.pk for a in page.items])
        if page.next_after is None:
            break
        after = page.next_after
    back = []
    while page.prev_before is not None:
        page = listing.keyset_page(queryset, before=page.prev_before, limit=limit)
        back.append([a.pk for a in page.items])
    count = listing.capped_count(queryset, listing.count_cap(listing.Filters(q=q)))
    return forward, back, count


@pytest.mark.parametrize(
    "number_ids_cap,account_ids_cap",
    [(0, 20_000), (0, 0), (2_000, 0)],
    ids=["many numbers, account ids", "many numbers, a subquery", "few numbers, a subquery"],
)
def test_every_plan_of_a_number_search_gives_the_same_pages_and_count(
    alice, operator, people, org_a, monkeypatch, number_ids_cap, account_ids_cap
):
    """A number's accounts read as ids first (the page then takes the newest of them), or by the
    subquery of a prefix too broad for ids: the same accounts, pages, order and count."""
    from portal.accounts import search

    add_numbers(org_a, ["+447911123400", "+447911123401"])
    for i, number in enumerate(["+447911123400", "+447911123401"]):
        account_add(
            actor=alice,
            organization=org_a,
            data={"first_name": f"N{i}", "email": f"n{i}@bank.example", "multiline_number": number},
        )
    expected = {
        (who, q): _pages(user, q)
        for who, user in (("alice", alice), ("op", operator))
        for q in NUMBER_QUERIES
    }
    assert expected[("alice", "+44 791")][2] == (4, False)  # the fixture's two and these two
    monkeypatch.setattr(search, "NUMBER_IDS_CAP", number_ids_cap)
    monkeypatch.setattr(search, "ACCOUNT_IDS_CAP", account_ids_cap)
    for (who, q), pages in expected.items():
        user = alice if who == "alice" else operator
        assert _pages(user, q) == pages, (who, q)


WORD_QUERIES = [
    "Jurgen",
    "JÜRGEN",
    "müller",
    "Muller Jurgen",
    "jür mül",
    "JURGEN.MULLER@BANK",
    "bank.example",
    "soren",
    "lukasz obrien",
    "o brien lukasz",
    "lace",
    "a",
    "example",
    "nobody",
]


def test_a_small_scope_s_rows_find_the_same_words_as_the_full_text_index(
    alice, operator, org_a, group_a, people, monkeypatch
):
    """The words of a small scope (an organization's accounts) are searched in its rows, a big
    one through the full-text index: the same accounts, pages, order and count either way."""
    from portal.accounts import search

    Account.objects.bulk_create(
        Account(
            organization=org_a,
            permission_group=group_a,
            first_name=name,
            last_name="Ångström",
            email=f"{i}.x@bank.example",
        )
        for i, name in enumerate(["Anna", "Annabel", "Joanna", "Zoë Anna", "ANNA-Lena"])
    )
    queries = [*WORD_QUERIES, "anna", "ann angstrom", "lena", "zoe"]
    users = (("alice", alice), ("op", operator))
    monkeypatch.setattr(search, "SMALL_SCOPE", 0)  # never small: the index
    by_index = {(who, q): _pages(user, q) for who, user in users for q in queries}
    assert by_index[("alice", "anna")][2] == (4, False)  # not Joanna
    monkeypatch.setattr(search, "SMALL_SCOPE", 10**9)  # always small: the rows
    assert search.is_small_scope(Account.objects.filter(organization=org_a))
    assert not search.is_small_scope(Account.objects.all())  # unrestricted: the index
    for (who, q), pages in by_index.items():
        user = alice if who == "alice" else operator
        assert _pages(user, q) == pages, (who, q)


# ---------------------------------------------------------------- a number's ranges read apart

RANGE_NUMBERS_A = [
    "+447911222333",
    "+447911000333",
    "+447912344791",
    "+447922333000",
    "+447900447911",
    "+447913123456",
    "+447914123456",
]
RANGE_NUMBERS_B = ["+447911111333", "+447933447911"]
RANGE_QUERIES = [
    "333",
    "2333",
    "44791",
    "4791",
    "447911",
    "7911",
    "07911 222333",
    "+44 7911",
    "000",
    "+44 79",
]


def _number_pages(user, q, limit=2) -> list[list[str]]:
    """Every page of the Numbers screen's search `q` (as its view reads them), in number order."""
    from portal.numbers.listing import filtered_numbers, keyset_page

    numbers, _scope = filtered_numbers(user, q=q)
    pages, after = [], ""
    for _ in range(20):
        rows, after = keyset_page(numbers, after=after, limit=limit, q=q)
        pages.append([n.e164 for n in rows])
        if not after:
            return pages
    raise AssertionError("more pages than numbers")


def _meant(q: str, numbers: list[str]) -> list[str]:
    """The numbers that `q` means, by the rule itself: its digits begin (E.164) or end them."""
    from portal.lib.search import parse

    query = parse(q)
    return sorted(
        n
        for n in numbers
        if any(n[1:].startswith(p) for p in query.prefixes)
        or any(n[1:].endswith(s) for s in query.suffixes)
    )


def test_a_number_search_pages_every_number_it_means_once_in_scope(
    alice, operator, org_a, org_b, people
):
    """The numbers a search means, each once (one that both begins and ends with the digits
    typed too), in number order over pages of two, only the organization's for its admin."""
    add_numbers(org_a, RANGE_NUMBERS_A)
    add_numbers(org_b, RANGE_NUMBERS_B)
    own = [*RANGE_NUMBERS_A, JURGEN_NUMBER, "+447911000111"]
    # +447912344791 begins and ends with 44791: found once, and the pages after it follow.
    assert _meant("44791", own) == [
        "+447911000111",
        "+447911000333",
        JURGEN_NUMBER,
        "+447911222333",
        "+447912344791",
        "+447913123456",
        "+447914123456",
    ]
    assert _meant("7911", own) == ["+447900447911"]  # its last digits
    for q in RANGE_QUERIES:
        for user, visible in ((alice, own), (operator, [*own, *RANGE_NUMBERS_B])):
            meant = _meant(q, visible)
            pages = _number_pages(user, q)
            assert [n for page in pages for n in page] == meant, (user.username, q)
            assert all(len(page) == 2 for page in pages[:-1]), (user.username, q)


def test_reading_a_number_s_ranges_apart_finds_the_same_numbers_and_accounts(
    postgres_only, alice, operator, org_a, org_b, people, monkeypatch
):
    """PostgreSQL reads each range of a number search by its own index (`first_numbers`); the
    ranges ORed find the same numbers' pages, and the same accounts' pages and counts."""
    from portal.lib import search as lib

    add_numbers(org_a, RANGE_NUMBERS_A)
    add_numbers(org_b, RANGE_NUMBERS_B)
    for i, number in enumerate(["+447912344791", "+447911000333"]):
        account_add(
            actor=alice,
            organization=org_a,
            data={"first_name": f"R{i}", "email": f"r{i}@bank.example", "multiline_number": number},
        )
    queries = [*RANGE_QUERIES, *NUMBER_QUERIES]
    users = (("alice", alice), ("op", operator))
    assert lib.reads_ranges_apart()
    apart = {(who, q): (_number_pages(u, q), _pages(u, q)) for who, u in users for q in queries}
    assert apart[("alice", "7911")][0] == [["+447900447911"]]
    # Jürgen, the device +447912654321, R0 and R1: four accounts, four pages of one.
    assert apart[("alice", "44791")][1][2] == (4, False)
    assert len(apart[("alice", "44791")][1][0]) == 4
    monkeypatch.setattr(lib, "reads_ranges_apart", lambda: False)
    for who, user in users:
        for q in queries:
            assert (_number_pages(user, q), _pages(user, q)) == apart[(who, q)], (who, q)


def test_a_number_search_s_count_is_its_listed_accounts_and_a_narrower_one_is_counted(
    alice, operator, people
):
    """A number search's matches are read as ids once: the page's count is how many, without
    counting again; a queryset filtered further is counted by the database."""
    from django.test.utils import CaptureQueriesContext

    for user, expected in ((alice, 2), (operator, 2)):  # Jürgen's number, Søren's device
        queryset = listing.filtered(user, listing.Filters(q="+44 791"))
        assert len(list(queryset)) == expected
        with CaptureQueriesContext(connection) as counted:
            assert listing.capped_count(queryset, 1_000) == (expected, False)
        assert len(counted) == 0
        assert listing.capped_count(queryset, 1) == (1, True)
        narrower = queryset.filter(first_name="Jürgen")
        assert listing.capped_count(narrower, 1_000) == (1, False)
        assert listing.capped_count(queryset.exclude(first_name="Jürgen"), 1_000) == (1, False)


@pytest.mark.parametrize(
    "names,capped,matches",
    [
        (["Anna"] * 4, (3, True), 4),  # the whole word alone reaches the cap
        (["Anna", "Annabel", "Annalena", "Annamaria"], (3, True), 4),  # with the longer names
        (["Anna", "Annabel", "Annalena", "Annika"], (3, False), 3),  # "Annika": not "anna…"
        (["Annabel", "Annalena"], (2, False), 2),  # no one is called just "Anna"
    ],
)
def test_a_word_search_s_count_is_every_name_the_word_begins(
    operator, org_a, group_a, names, capped, matches
):
    """The Accounts page counts a word's matches up to a cap; on PostgreSQL the accounts with the
    whole word are counted first (`search.whole_words`, faster for a common name), and the names
    it only begins still count."""
    Account.objects.bulk_create(
        Account(
            organization=org_a,
            permission_group=group_a,
            first_name=name,
            last_name="Berg",
            email=f"person{i}@bank.example",
        )
        for i, name in enumerate(names)
    )
    queryset = listing.filtered(operator, listing.Filters(q="anna"))

    assert listing.capped_count(queryset, 3) == capped
    assert listing.capped_count(queryset, 10) == (matches, False)
