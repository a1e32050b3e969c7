"""Administrator Activity: what each admin may see, filters, keyset pages and the CSV download."""

import csv
import datetime as dt
import io

import pytest

from portal.audit.models import AuditEvent
from portal.numbers.models import Number
from portal.numbers.services import numbers_add, numbers_reserve
from portal.permissions.services import permission_group_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(operator, alice, charlie, org_a, org_b):
    numbers_add(actor=operator, organization=org_a, values=["+12125550100", "+12125550101"])
    numbers_reserve(
        actor=alice, numbers=Number.objects.filter(e164="+12125550100"), reserved_for="CFO"
    )
    permission_group_create(actor=alice, organization=org_a, name="Gold")
    permission_group_create(actor=charlie, organization=org_b, name="Silver")


def actions(response):
    return [e.action for e in response.context["events"]]


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "operator"])
def test_the_activity_screen_needs_the_reports_privilege(request, login, persona):
    assert login(request.getfixturevalue(persona)).get("/activity/").status_code == 200


def test_without_the_reports_privilege_it_is_403(login, org_a):
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
    assert login(dave).get("/activity/").status_code == 403
    assert login(dave).get("/activity/activity.csv").status_code == 403


def test_admins_see_the_activity_of_their_organizations_only(
    login, alice, charlie, operator, activity
):
    mine = login(alice).get("/activity/").content.decode()
    assert "Gold" in mine and "Silver" not in mine
    theirs = login(charlie).get("/activity/").content.decode()
    assert "Silver" in theirs and "Gold" not in theirs
    everything = login(operator).get("/activity/").content.decode()
    assert "Gold" in everything and "Silver" in everything


def test_it_filters_by_organization_actor_action_target_and_dates(login, operator, alice, activity):
    client = login(operator)
    assert set(actions(client.get("/activity/", {"organization": "org-b"}))) == {
        "organization.create",
        "permission_group.create",
        "admin.create",
    }
    assert actions(client.get("/activity/", {"actor": "ALICE", "action": "numbers.reserve"})) == [
        "numbers.reserve"
    ]
    assert [e.target_label for e in client.get("/activity/", {"q": "gol"}).context["events"]] == [
        "Gold"
    ]
    today = dt.date.today()
    assert (
        len(
            actions(
                client.get(
                    "/activity/", {"date_from": today.isoformat(), "date_to": today.isoformat()}
                )
            )
        )
        > 3
    )
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert actions(client.get("/activity/", {"date_from": tomorrow})) == []
    bad = client.get("/activity/", {"date_from": tomorrow, "date_to": today.isoformat()})
    assert "“To” is before “From”" in bad.content.decode()


def test_charlie_cannot_filter_on_org_a(login, charlie, activity):
    response = login(charlie).get("/activity/", {"organization": "org-a"})
    assert "Gold" not in response.content.decode()


def test_it_pages_newest_first_with_a_keyset(login, operator, activity, monkeypatch):
    from portal.audit import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = login(operator)
    first = client.get("/activity/")
    ids = [e.id for e in first.context["events"]]
    second = client.get("/activity/", {"before": first.context["next_before"]})
    assert ids == sorted(ids, reverse=True)
    assert max(e.id for e in second.context["events"]) < min(ids)


def test_the_csv_download_holds_the_filtered_events(login, alice, activity):
    response = login(alice).get("/activity/activity.csv", {"action": "numbers.reserve"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert (row["admin"], row["action"], row["organization"], row["via"]) == (
        "alice",
        "numbers.reserve",
        "org-a",
        "portal",
    )
    assert "CFO" in row["data"]


def test_api_writes_are_marked_as_such(api, operator, org_a):
    import json

    api(operator).post(
        "/api/v1/numbers",
        json.dumps({"organization": "org-a", "numbers": ["+12125550199"]}),
        content_type="application/json",
    )
    event = AuditEvent.objects.get(action="numbers.add")
    assert (event.actor_label, event.via, event.organization) == ("operator", "api", org_a)


def test_it_reads_in_sentences_with_labelled_details(login, alice, org_a, group_a, numbers_a):
    from portal.accounts.lifecycle import accounts_suspend
    from portal.accounts.services import account_add

    jurgen = account_add(
        actor=alice,
        organization=org_a,
        data={
            "first_name": "Jürgen",
            "last_name": "Müller",
            "email": "jurgen@bank.example",
            "multiline_number": numbers_a[0],
        },
    )
    accounts_suspend(actor=alice, accounts=[jurgen.pk], reason="Left the bank")
    response = login(alice).get("/activity/", {"action": "account.suspend"})
    html = response.content.decode()
    assert "alice suspended account Jürgen Müller (jurgen@bank.example)" in html
    assert "<dt>Status before</dt><dd>Not invited</dd>" in html
    assert "<dt>Number released</dt><dd>+12125550100</dd>" in html
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    assert "account.suspend" not in table and "not_invited" not in table and "{" not in table
    # The action filter offers labels, not codes.
    assert '<option value="account.suspend" selected>Account: suspend</option>' in html
