"""The Numbers screen: who sees what, and each action (one URL per action)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.audit.models import AuditEvent
from portal.numbers.models import Number
from portal.numbers.services import numbers_add, numbers_tag

pytestmark = pytest.mark.django_db


def ids(*values):
    return [str(pk) for pk in Number.objects.filter(e164__in=values).values_list("pk", flat=True)]


def status(value):
    return Number.objects.get(e164=value).status


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "operator"])
def test_it_shows_the_numbers_screen_to_admins_with_the_numbers_privilege(request, login, persona):
    assert login(request.getfixturevalue(persona)).get("/numbers/").status_code == 200


def test_it_refuses_the_screen_and_its_actions_without_the_numbers_privilege(
    login, org_a, numbers_a
):
    from portal.access.services import admin_create, role_save

    role = role_save(actor=None, name="Accounts only", privileges=["accounts"])
    dave = admin_create(
        actor=None,
        username="dave",
        email="dave@example.com",
        password="Correct-horse-9",
        role=role,
        organizations=[org_a],
    )
    client = login(dave)
    assert client.get("/numbers/").status_code == 403
    assert client.post("/numbers/reserve/", {"n": ids(numbers_a[0])}).status_code == 403
    assert status(numbers_a[0]) == "available"


def test_it_shows_only_the_numbers_in_scope(login, alice, charlie, operator, numbers_a, numbers_b):
    page = login(alice).get("/numbers/").content.decode()
    assert numbers_a[0] in page and numbers_b[0] not in page
    page = login(charlie).get("/numbers/").content.decode()
    assert numbers_b[0] in page and numbers_a[0] not in page
    page = login(operator).get("/numbers/").content.decode()
    assert numbers_a[0] in page and numbers_b[0] in page


def test_it_counts_numbers_per_status_for_the_selected_organization(
    login, alice, org_a, numbers_a, numbers_b
):
    Number.objects.filter(e164=numbers_a[0]).update(status="reserved")
    counts = login(alice).get("/numbers/", {"organization": "org-a"}).context["counts"]
    assert (counts["available"], counts["reserved"], counts["total"]) == (4, 1, 5)


def test_the_operator_sees_the_pool(login, operator, numbers_a):
    numbers_add(actor=None, organization=None, values=["+33142685300"])
    page = login(operator).get("/numbers/", {"organization": "~pool"})
    assert [n.e164 for n in page.context["numbers"]] == ["+33142685300"]
    assert "Operator pool" in page.content.decode()


def test_it_filters_by_status_tag_and_digits(login, alice, numbers_a):
    numbers_tag(actor=None, numbers=Number.objects.filter(e164=numbers_a[1]), tags=["ported"])
    client = login(alice)
    assert [n.e164 for n in client.get("/numbers/", {"tag": "PORTED"}).context["numbers"]] == [
        numbers_a[1]
    ]
    assert [n.e164 for n in client.get("/numbers/", {"q": "555 0103"}).context["numbers"]] == [
        numbers_a[3]
    ]
    assert client.get("/numbers/", {"status": "reserved"}).context["numbers"] == []


def test_it_pages_with_a_keyset(login, operator, monkeypatch):
    from portal.numbers import views

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    numbers_add(actor=None, organization=None, values=[f"+1212555020{i}" for i in range(7)])
    client = login(operator)
    first = client.get("/numbers/")
    assert [n.e164 for n in first.context["numbers"]] == [
        "+12125550200",
        "+12125550201",
        "+12125550202",
    ]
    second = client.get("/numbers/", {"after": first.context["next_after"]})
    assert [n.e164 for n in second.context["numbers"]] == [
        "+12125550203",
        "+12125550204",
        "+12125550205",
    ]
    third = client.get("/numbers/", {"after": second.context["next_after"]})
    assert [n.e164 for n in third.context["numbers"]] == ["+12125550206"] and third.context[
        "next_after"
    ] == ""


def test_it_adds_pasted_numbers_and_shows_each_result(login, operator, org_a, numbers_a):
    client = login(operator)
    posted = client.post(
        "/numbers/add/",
        {
            "organization": "org-a",
            "status": "available",
            "tags": "ported vip",
            "numbers": f"+1 212 555 0150\n{numbers_a[0]}\nhello, +1 212 555 0150",
        },
    )
    assert posted.status_code == 303  # POST/redirect/GET: reloading the results adds nothing
    response = client.get(posted["Location"])
    results = response.context["results"]
    assert [(r["value"], r["result"]) for r in results] == [
        ("+1 212 555 0150", "added"),
        (numbers_a[0], "exists"),
        ("hello", "invalid"),
        ("+1 212 555 0150", "skipped"),
    ]
    assert "not a phone number" in results[2]["reason"]
    shown = response.content.decode().split('id="results"')[1].split("</table>")[0]
    assert (
        client.get(posted["Location"])
        .content.decode()
        .split('id="results"')[1]
        .split("</table>")[0]
        == shown
    )
    assert Number.objects.count() == len(numbers_a) + 1
    number = Number.objects.get(e164="+12125550150")
    assert number.organization == org_a and sorted(t.name for t in number.tags.all()) == [
        "PORTED",
        "VIP",
    ]
    assert "Already in the inventory" in response.content.decode()


def test_it_adds_numbers_from_a_csv_with_a_number_column(login, operator, org_a):
    upload = SimpleUploadedFile(
        "numbers.csv", b"\xef\xbb\xbfname;number\r\nDesk;+12125550160\r\nLobby;+12125550161\r\n"
    )
    response = login(operator).post(
        "/numbers/add/",
        {"organization": "org-a", "status": "reserved", "file": upload},
        follow=True,
    )
    assert [r["result"] for r in response.context["results"]] == ["added", "added"]
    assert set(Number.objects.filter(status="reserved").values_list("e164", flat=True)) == {
        "+12125550160",
        "+12125550161",
    }


def test_it_adds_a_range(login, operator):
    login(operator).post(
        "/numbers/add/",
        {
            "organization": "~pool",
            "status": "available",
            "range_start": "+1 212 555 0170",
            "range_count": 3,
        },
    )
    assert list(Number.objects.filter(organization=None).values_list("e164", flat=True)) == [
        "+12125550170",
        "+12125550171",
        "+12125550172",
    ]


def test_it_refuses_two_sources_at_once(login, operator, org_a):
    response = login(operator).post(
        "/numbers/add/",
        {
            "organization": "org-a",
            "status": "available",
            "numbers": "+12125550180",
            "range_start": "+12125550190",
            "range_count": 2,
        },
    )
    assert "one way at a time" in response.content.decode()
    assert not Number.objects.exists()


def test_numbers_come_from_the_operator_an_org_admin_adds_none(login, api, alice, org_a, numbers_a):
    """Organizations allocate, reserve and withdraw what they have; only the operator adds."""
    client = login(alice)
    assert client.get("/numbers/add/").status_code == 403
    response = client.post(
        "/numbers/add/", {"organization": "org-a", "status": "available", "numbers": "+12125550181"}
    )
    assert response.status_code == 403
    assert "Only the operator adds numbers to the inventory" in response.content.decode()
    assert 'href="/numbers/add/"' not in client.get("/numbers/").content.decode()
    answer = api(alice).post(
        "/api/v1/numbers",
        {"organization": "org-a", "numbers": ["+12125550181"]},
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert "Only the operator adds numbers" in answer.json()["error"]
    assert not Number.objects.filter(e164="+12125550181").exists()


def test_it_allocates_selected_numbers_to_a_sub_organization(login, alice, org_a_child, numbers_a):
    response = login(alice).post(
        "/numbers/allocate/", {"n": ids(*numbers_a[:2]), "destination": "org-a-branch"}, follow=True
    )
    assert set(
        Number.objects.filter(organization=org_a_child).values_list("e164", flat=True)
    ) == set(numbers_a[:2])
    assert "Allocated 2 numbers to Org A Branch" in response.content.decode()


def test_it_refuses_to_allocate_outside_scope(login, alice, org_b, numbers_a):
    response = login(alice).post(
        "/numbers/allocate/", {"n": ids(numbers_a[0]), "destination": "org-b"}
    )
    assert response.status_code == 404
    assert Number.objects.get(e164=numbers_a[0]).organization.slug == "org-a"


def test_charlie_cannot_touch_numbers_of_org_a(login, charlie, numbers_a):
    response = login(charlie).post("/numbers/reserve/", {"n": ids(numbers_a[0])}, follow=True)
    assert "Select at least one number" in response.content.decode()
    assert status(numbers_a[0]) == "available"


def test_it_withdraws_unused_numbers_to_the_parent(login, alice, org_a, org_a_child):
    numbers_add(actor=None, organization=org_a_child, values=["+12125550300", "+12125550301"])
    Number.objects.filter(e164="+12125550301").update(status="assigned")
    response = login(alice).post(
        "/numbers/withdraw/", {"n": ids("+12125550300", "+12125550301")}, follow=True
    )
    assert Number.objects.get(e164="+12125550300").organization == org_a
    assert Number.objects.get(e164="+12125550301").organization == org_a_child
    assert "only unused numbers move" in response.content.decode()


def test_it_tags_untags_reserves_and_unreserves(login, alice, numbers_a):
    client = login(alice)
    selected = ids(*numbers_a[:2])
    client.post("/numbers/tag/", {"n": selected, "tags": "ported"})
    assert Number.objects.filter(tags__name="PORTED").count() == 2
    client.post("/numbers/untag/", {"n": selected[:1], "tags": "PORTED"})
    assert Number.objects.filter(tags__name="PORTED").count() == 1
    client.post("/numbers/reserve/", {"n": selected, "reserved_for": "CFO office"})
    assert Number.objects.get(e164=numbers_a[0]).reserved_for == "CFO office"
    assert status(numbers_a[1]) == "reserved"
    response = client.post("/numbers/unreserve/", {"n": selected[:1]}, follow=True)
    assert status(numbers_a[0]) == "available" and status(numbers_a[1]) == "reserved"
    assert "Made 1 number available again" in response.content.decode()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"numbers.tag", "numbers.untag", "numbers.reserve", "numbers.unreserve"} <= actions


def test_actions_only_accept_post(login, alice):
    assert login(alice).get("/numbers/reserve/").status_code == 405


def test_a_big_scope_s_counts_are_kept_a_minute_and_counted_again_after_an_action(
    login, operator, org_a_child, numbers_a, monkeypatch
):
    from portal.numbers import listing

    monkeypatch.setattr(listing, "COUNTS_EXACT_BELOW", 5)  # five numbers: "big" here
    listing.counts_changed()
    client = login(operator)
    first = client.get("/numbers/")
    assert first.context["counts"]["available"] == 5 and first.context["counted_at"] is None
    Number.objects.filter(e164=numbers_a[0]).update(status="reserved")  # not from this screen
    kept = client.get("/numbers/")
    assert kept.context["counts"]["available"] == 5  # the kept counts, and the page says so
    assert kept.context["counted_at"] is not None and "Counted at" in kept.content.decode()
    client.post("/numbers/allocate/", {"n": ids(numbers_a[1]), "destination": "org-a-branch"})
    again = client.get("/numbers/")
    assert (again.context["counts"]["available"], again.context["counts"]["reserved"]) == (4, 1)
    assert again.context["counted_at"] is None
    # A smaller scope (one organization's numbers) is counted on every view.
    monkeypatch.setattr(listing, "COUNTS_EXACT_BELOW", 10_000)
    Number.objects.filter(e164=numbers_a[2]).update(status="reserved")
    counts = client.get("/numbers/", {"organization": "org-a"}).context["counts"]
    assert counts["reserved"] == 2
    listing.counts_changed()
