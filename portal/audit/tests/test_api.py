"""GET /api/v1/audit-events: pages for a SIEM, oldest first, with a `next` cursor; the Reports
privilege; filters by organization, actor, action and `after` (an event id or a date and time)."""

import datetime as dt

import pytest
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.numbers.services import numbers_add
from portal.permissions.services import permission_group_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit-events"
ITEM_KEYS = {
    "id",
    "at",
    "actor",
    "via",
    "action",
    "summary",
    "organization",
    "target",
    "batch",
    "ip",
    "user_agent",
    "details",
}


@pytest.fixture
def activity(operator, alice, charlie, org_a, org_b):
    numbers_add(actor=operator, organization=org_a, values=["+12125550170", "+12125550171"])
    for name in ("Gold", "Silver", "Bronze"):
        permission_group_create(actor=alice, organization=org_a, name=name)
    permission_group_create(actor=charlie, organization=org_b, name="Platinum")


def test_it_pages_every_visible_event_once_in_a_stable_order(api, alice, org_a, activity):
    client = api(alice)
    seen, after, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({"after": after} if after is not None else {})
        body = client.get(URL, params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        after = body["next"]
        if after is None:
            break
        assert after == body["items"][-1]["id"]
    visible = list(
        AuditEvent.objects.filter(organization=org_a).order_by("id").values_list("id", flat=True)
    )
    assert seen == visible and len(seen) >= 6 and pages == -(-len(seen) // 2)
    # New events extend the order: the last id asks for them alone.
    permission_group_create(actor=alice, organization=org_a, name="Copper")
    newer = client.get(URL, {"after": seen[-1]}).json()["items"]
    assert [(e["action"], e["target"]["label"]) for e in newer] == [
        ("permission_group.create", "Copper")
    ]


def test_an_item_carries_what_a_siem_needs(api, alice, org_a, activity):
    response = api(alice).get(
        URL,
        {"action": "permission_group.create", "actor": "alice", "limit": 1},
        HTTP_USER_AGENT="siem/1.0",
    )
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert set(item) == ITEM_KEYS
    assert (item["actor"], item["action"], item["organization"], item["via"]) == (
        "alice",
        "permission_group.create",
        "org-a",
        "portal",
    )
    assert item["target"] == {
        "type": "permissiongroup",
        "id": item["target"]["id"],
        "label": "Gold",
    }
    assert item["summary"] == "alice created the User Permissions group “Gold”"
    assert dt.datetime.fromisoformat(item["at"].replace("Z", "+00:00")) <= timezone.now()


def test_it_filters_by_actor_action_prefix_and_time(api, alice, operator, activity):
    client = api(operator)
    by_charlie = client.get(URL, {"actor": "CHARLIE"}).json()["items"]
    assert {e["action"] for e in by_charlie} >= {"permission_group.create"}
    assert {e["actor"] for e in by_charlie} == {"charlie"}
    prefixed = client.get(URL, {"action": "permission_group.*"}).json()["items"]
    assert {e["action"] for e in prefixed} == {"permission_group.create"} and len(prefixed) >= 4
    AuditEvent.objects.filter(target_label="Platinum").update(
        created_at=timezone.now() + dt.timedelta(hours=1)
    )
    later = (timezone.now() + dt.timedelta(minutes=30)).isoformat()
    assert [e["target"]["label"] for e in client.get(URL, {"after": later}).json()["items"]] == [
        "Platinum"
    ]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"after": "yesterday"}, "after"),
        ({"limit": 0}, "limit"),
        ({"limit": 100000}, "limit"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(api, alice, params, field):
    response = api(alice).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_an_organization_outside_the_scope_is_a_404(api, alice, org_b):
    response = api(alice).get(URL, {"organization": "org-b"})
    assert response.status_code == 404 and response.json()["error"]


def test_it_needs_the_reports_privilege(api, org_a):
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
    response = api(dave).get(URL)
    assert response.status_code == 403 and "Reports" in response.json()["error"]


def test_a_tenant_sees_none_of_another_tenants_events(api, charlie, org_a, activity):
    items = api(charlie).get(URL, {"limit": 1000}).json()["items"]
    assert items and {e["organization"] for e in items} == {"org-b"}
    assert "Gold" not in str(items)
