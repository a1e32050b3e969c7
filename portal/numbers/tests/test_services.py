"""The inventory's rules: E.164, duplicates, allocation within scope, only unused numbers move,
conditional reserve/unreserve, tags, and an audit event for every write."""

import pytest

from portal.audit.models import AuditEvent
from portal.lib.errors import DomainError, Forbidden, NotFound
from portal.numbers import services
from portal.numbers.files import read_numbers
from portal.numbers.models import Number

pytestmark = pytest.mark.django_db


def get(e164):
    return Number.objects.get(e164=e164)


def test_it_normalises_numbers_to_e164(org_a):
    results = services.numbers_add(
        actor=None,
        organization=org_a,
        values=["+1 (212) 555-0100", "0044 20 7946 0000", "12125550101", 4930123456],
    )
    assert [r.number for r in results] == [
        "+12125550100",
        "+442079460000",
        "+12125550101",
        "+4930123456",
    ]
    assert all(r.result == "added" for r in results)


def test_it_explains_invalid_numbers(org_a):
    results = services.numbers_add(
        actor=None, organization=org_a, values=["abc", "+1 212", "+999 1234567"]
    )
    assert [r.result for r in results] == ["invalid", "invalid", "invalid"]
    assert "not a phone number" in results[0].reason
    assert not Number.objects.exists()


def test_it_reports_duplicates_in_the_list_and_in_the_inventory(org_a, org_b, numbers_b):
    results = services.numbers_add(
        actor=None, organization=org_a, values=["+12125550100", "+1 212 555 0100", numbers_b[0]]
    )
    assert [(r.result, r.reason) for r in results] == [
        ("added", ""),
        ("skipped", "Listed twice; added once."),
        ("exists", "Already in the inventory."),
    ]
    assert get(numbers_b[0]).organization == org_b


def test_it_adds_reserved_numbers_with_tags_and_refuses_other_statuses(org_a):
    services.numbers_add(
        actor=None,
        organization=org_a,
        values=["+12125550100"],
        tags=["ported", " vip "],
        status="reserved",
    )
    number = get("+12125550100")
    assert number.status == "reserved"
    assert sorted(t.name for t in number.tags.all()) == ["PORTED", "VIP"]
    with pytest.raises(DomainError) as error:
        services.numbers_add(
            actor=None, organization=org_a, values=["+12125550101"], status="assigned"
        )
    assert error.value.fields == {"status": ["must be available or reserved"]}


def test_it_builds_a_range(org_a):
    assert services.number_range("+1 212 555 0198", 3) == [
        "+12125550198",
        "+12125550199",
        "+12125550200",
    ]
    with pytest.raises(DomainError):
        services.number_range("+1 212 555 0198", 0)
    with pytest.raises(DomainError) as error:
        services.number_range("nope", 2)
    assert "start" in error.value.fields


def test_only_the_operator_adds_numbers(alice, org_a_child, operator):
    with pytest.raises(Forbidden):
        services.numbers_add(actor=alice, organization=org_a_child, values=["+12125550100"])
    services.numbers_add(actor=operator, organization=None, values=["+12125550101"])
    services.numbers_add(actor=operator, organization=org_a_child, values=["+12125550100"])
    assert get("+12125550101").organization is None
    assert get("+12125550100").organization == org_a_child


def test_the_operator_allocates_from_the_pool_and_the_org_admin_down_to_its_sub_organization(
    operator, alice, org_a, org_a_child
):
    services.numbers_add(actor=operator, organization=None, values=["+12125550100", "+12125550101"])
    numbers = list(Number.objects.all())
    assert [
        r.result
        for r in services.numbers_allocate(actor=operator, numbers=numbers, organization=org_a)
    ] == ["done", "done"]
    services.numbers_allocate(actor=alice, numbers=numbers[:1], organization=org_a_child)
    assert get("+12125550100").organization == org_a_child
    assert get("+12125550101").organization == org_a


def test_an_org_admin_cannot_allocate_outside_its_scope(
    alice, charlie, org_a, org_b, numbers_a, numbers_b
):
    with pytest.raises(NotFound):
        services.numbers_allocate(
            actor=alice, numbers=Number.objects.filter(e164=numbers_a[0]), organization=org_b
        )
    with pytest.raises(Forbidden):
        services.numbers_allocate(
            actor=alice, numbers=Number.objects.filter(e164=numbers_a[0]), organization=None
        )
    # Charlie cannot pull org A's numbers into org B, even by handing them over.
    results = services.numbers_allocate(
        actor=charlie, numbers=Number.objects.filter(e164=numbers_a[0]), organization=org_b
    )
    assert results[0].result == "skipped" and results[0].reason == "Not in your inventory."
    assert get(numbers_a[0]).organization == org_a


def test_only_unused_numbers_move(alice, org_a, org_a_child, numbers_a):
    Number.objects.filter(e164=numbers_a[0]).update(status="assigned")
    Number.objects.filter(e164=numbers_a[1]).update(status="registered")
    Number.objects.filter(e164=numbers_a[2]).update(status="reserved")
    results = services.numbers_allocate(
        actor=alice, numbers=Number.objects.filter(e164__in=numbers_a[:3]), organization=org_a_child
    )
    assert [(r.number, r.result) for r in results] == [
        (numbers_a[0], "skipped"),
        (numbers_a[1], "skipped"),
        (numbers_a[2], "done"),
    ]
    assert "It is assigned; only unused numbers move." == results[0].reason


def test_a_number_held_by_an_account_never_moves(alice, org_a, org_a_child, numbers_a):
    from portal.accounts.services import account_add

    account_add(
        actor=alice,
        organization=org_a,
        data={"email": "ada@example.com", "multiline_number": numbers_a[0]},
    )
    Number.objects.filter(e164=numbers_a[0]).update(
        status="available"
    )  # even if its status were wrong
    results = services.numbers_allocate(
        actor=alice, numbers=Number.objects.filter(e164=numbers_a[0]), organization=org_a_child
    )
    assert results[0].result == "skipped"
    assert get(numbers_a[0]).organization == org_a


def test_withdraw_gives_unused_numbers_back_to_the_parent(alice, operator, org_a, org_a_child):
    services.numbers_add(
        actor=None, organization=org_a_child, values=["+12125550100", "+12125550101"]
    )
    Number.objects.filter(e164="+12125550101").update(status="assigned")
    results = services.numbers_withdraw(actor=alice, numbers=Number.objects.all())
    assert [r.result for r in results] == ["done", "skipped"]
    assert get("+12125550100").organization == org_a


def test_only_the_operator_withdraws_to_the_pool(alice, operator, org_a, numbers_a):
    results = services.numbers_withdraw(
        actor=alice, numbers=Number.objects.filter(e164=numbers_a[0])
    )
    assert results[0].result == "skipped" and "Only the operator" in results[0].reason
    results = services.numbers_withdraw(
        actor=operator, numbers=Number.objects.filter(e164=numbers_a[0])
    )
    assert results[0].result == "done" and get(numbers_a[0]).organization is None
    results = services.numbers_withdraw(
        actor=operator, numbers=Number.objects.filter(e164=numbers_a[0])
    )
    assert results[0].reason == "It is in the operator pool already."


def test_reserve_and_unreserve_are_conditional(alice, numbers_a):
    numbers = list(Number.objects.filter(e164__in=numbers_a[:2]))
    Number.objects.filter(e164=numbers_a[1]).update(status="assigned")
    results = services.numbers_reserve(actor=alice, numbers=numbers, reserved_for="CFO office")
    assert [r.result for r in results] == ["done", "skipped"]
    assert results[1].reason == "It is assigned, not available."
    assert get(numbers_a[0]).reserved_for == "CFO office"
    again = services.numbers_reserve(actor=alice, numbers=numbers[:1])
    assert again[0].result == "skipped" and again[0].reason == "It is reserved, not available."
    results = services.numbers_unreserve(actor=alice, numbers=numbers)
    assert [r.result for r in results] == ["done", "skipped"]
    assert get(numbers_a[0]).status == "available" and get(numbers_a[0]).reserved_for == ""
    assert get(numbers_a[1]).status == "assigned"


def test_reserved_for_is_at_most_120_characters(alice, numbers_a):
    with pytest.raises(DomainError):
        services.numbers_reserve(actor=alice, numbers=Number.objects.all(), reserved_for="x" * 121)


def test_tags_are_upper_case_added_once_and_removed(alice, numbers_a):
    numbers = list(Number.objects.filter(e164__in=numbers_a[:2]))
    services.numbers_tag(actor=alice, numbers=numbers, tags=["ported"])
    services.numbers_tag(actor=alice, numbers=numbers, tags=["PORTED", "vip"])
    assert sorted(t.name for t in get(numbers_a[0]).tags.all()) == ["PORTED", "VIP"]
    services.numbers_tag(actor=alice, numbers=numbers[:1], tags=["Ported"], remove=True)
    assert [t.name for t in get(numbers_a[0]).tags.all()] == ["VIP"]
    assert [t.name for t in get(numbers_a[1]).tags.all()] == ["PORTED", "VIP"]
    with pytest.raises(DomainError) as error:
        services.numbers_tag(actor=alice, numbers=numbers, tags=[" "])
    assert error.value.fields == {"tags": ["required"]}


def test_every_write_is_audited(alice, operator, org_a, org_a_child):
    services.numbers_add(actor=operator, organization=org_a, values=["+12125550100"])
    numbers = list(Number.objects.all())
    services.numbers_tag(actor=alice, numbers=numbers, tags=["PORTED"])
    services.numbers_tag(actor=alice, numbers=numbers, tags=["PORTED"], remove=True)
    services.numbers_reserve(actor=alice, numbers=numbers, reserved_for="CEO")
    services.numbers_unreserve(actor=alice, numbers=numbers)
    services.numbers_allocate(actor=alice, numbers=numbers, organization=org_a_child)
    services.numbers_withdraw(actor=alice, numbers=Number.objects.all())
    events = list(AuditEvent.objects.order_by("id").values_list("actor_label", "action"))
    assert [a for _, a in events if a.startswith("numbers.")] == [
        "numbers.add",
        "numbers.tag",
        "numbers.untag",
        "numbers.reserve",
        "numbers.unreserve",
        "numbers.allocate",
        "numbers.withdraw",
    ]
    assert [actor for actor, a in events if a.startswith("numbers.")] == ["operator"] + [
        "alice"
    ] * 6


def test_numbers_find_reports_what_is_not_in_scope(alice, numbers_a, numbers_b):
    found, missing = services.numbers_find(actor=alice, values=[numbers_a[0], numbers_b[0], "junk"])
    assert [n.e164 for n in found] == [numbers_a[0]]
    assert [(m.value, m.result) for m in missing] == [
        ("junk", "invalid"),
        (numbers_b[0], "not_found"),
    ]


def test_counts_by_status(numbers_a):
    Number.objects.filter(e164=numbers_a[0]).update(status="assigned")
    counts = services.counts_by_status(Number.objects.all())
    assert counts == {"available": 4, "reserved": 0, "assigned": 1, "registered": 0, "total": 5}


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"+12125550100\n+12125550101\n\n", ["+12125550100", "+12125550101"]),
        (b"Number,Label\r\n+12125550100,desk\r\n", ["+12125550100"]),
        ("id;number\n1;+12125550100\n".encode("utf-16"), ["+12125550100"]),
        ("numéro\n+12125550100\n".encode("cp1252"), ["numéro", "+12125550100"]),
    ],
)
def test_it_reads_numbers_from_files_of_many_shapes(data, expected):
    assert read_numbers(data, "numbers.csv") == expected


def test_it_reads_numbers_stored_as_numbers_in_xlsx():
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["number"])
    book.active.append([12125550100])
    buffer = io.BytesIO()
    book.save(buffer)
    values = read_numbers(buffer.getvalue(), "numbers.xlsx")
    assert values == [12125550100]
    results = services.numbers_add(actor=None, organization=None, values=values)
    assert results[0].number == "+12125550100"
