"""The audit trail through every door: who (the real actor), which organization, from where.

Through the portal and the API the client address and user agent are recorded; settings, role,
token and admin changes are filed under the organization they concern, so that its auditors (and
only they) see them; tasks record the admin who started them; exports of personal data are events.
"""

import csv
import io
import json

import pytest
from django.test import Client

from portal.accounts.services import account_add
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0"


def post_json(client, path, data, **extra):
    return client.post(path, json.dumps(data), content_type="application/json", **extra)


def patch_json(client, path, data, **extra):
    return client.patch(path, json.dumps(data), content_type="application/json", **extra)


@pytest.fixture
def jurgen(alice, org_a, group_a, numbers_a):
    return account_add(
        actor=alice,
        organization=org_a,
        data={
            "first_name": "Jürgen",
            "last_name": "Müller",
            "email": "jurgen@bank.example",
            "multiline_number": numbers_a[0],
        },
    )


@pytest.fixture
def reports_role(db):
    from portal.access.services import role_save

    return role_save(actor=None, name="Auditor", privileges=["reports"])


@pytest.fixture
def dora(org_a_child, reports_role):
    """An auditor (Reports only) of org A's sub-organization."""
    from portal.access.services import admin_create

    return admin_create(
        actor=None,
        username="dora",
        email="dora@example.com",
        password="Correct-horse-9",
        role=reports_role,
        organizations=[org_a_child],
    )


def test_an_api_write_records_the_client_address_and_user_agent(api, alice, org_a, jurgen):
    client = api(alice)
    response = client.post(
        f"/api/v1/accounts/{jurgen.pk}/suspend", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT=UA
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="account.suspend")
    assert (event.actor_label, event.via, event.organization, event.ip, event.user_agent) == (
        "alice",
        "api",
        org_a,
        "10.1.2.3",
        UA,
    )
    assert event.target_label == "Jürgen Müller (jurgen@bank.example)"


def test_a_portal_write_records_the_client_address(login, alice, org_a):
    client = login(alice)
    response = client.post(
        "/access/tokens/issue/",
        {"name": "HR sync", "user": str(alice.pk)},
        REMOTE_ADDR="2001:db8::7",
        HTTP_USER_AGENT=UA,
    )
    assert response.status_code == 303
    event = AuditEvent.objects.get(action="api_token.issue")
    assert (event.actor_label, event.via, event.ip, event.user_agent) == (
        "alice",
        "portal",
        "2001:db8::7",
        UA,
    )


def test_a_proxy_header_is_ignored_unless_the_setting_trusts_it(api, alice, jurgen, settings):
    client = api(alice)
    client.post(
        f"/api/v1/accounts/{jurgen.pk}/suspend",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
    )
    assert AuditEvent.objects.get(action="account.suspend").ip == "10.0.0.1"

    settings.TRUSTED_PROXY_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    client.post(
        f"/api/v1/accounts/{jurgen.pk}/reactivate",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.44",
    )  # The client wrote the first, our proxy the last.
    assert AuditEvent.objects.get(action="account.reactivate").ip == "192.0.2.44"


def test_a_header_that_is_not_an_address_is_recorded_as_none(api, alice, jurgen, settings):
    settings.TRUSTED_PROXY_IP_HEADER = "HTTP_X_REAL_IP"
    api(alice).post(
        f"/api/v1/accounts/{jurgen.pk}/suspend", HTTP_X_REAL_IP="'; DROP TABLE audit;--"
    )
    assert AuditEvent.objects.get(action="account.suspend").ip is None


def test_settings_changes_are_filed_under_the_organization(api, alice, charlie, org_a):
    response = patch_json(
        api(alice), "/api/v1/organizations/org-a", {"invitation_validity_days": 14}
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="organization.update")
    assert event.organization == org_a
    assert event.data["invitation_validity_days"] == [7, 14]
    listed = (
        api(alice).get("/api/v1/audit-events", {"action": "organization.update"}).json()["items"]
    )
    assert [e["organization"] for e in listed] == ["org-a"]
    assert (
        api(charlie).get("/api/v1/audit-events", {"action": "organization.update"}).json()["items"]
        == []
    )


def test_token_events_are_filed_under_the_token_owners_organization(login, alice, charlie, org_a):
    client = login(alice)
    client.post("/access/tokens/issue/", {"name": "HR sync", "user": str(alice.pk)})
    token = alice.api_tokens.get(name="HR sync")
    client.post(f"/access/tokens/{token.pk}/revoke/")
    events = AuditEvent.objects.filter(action__startswith="api_token.", data__name="HR sync")
    assert sorted((e.action, e.organization_id) for e in events) == [
        ("api_token.issue", org_a.pk),
        ("api_token.revoke", org_a.pk),
    ]
    page = login(charlie).get("/activity/").content.decode()
    assert "HR sync" not in page and "issued an API token" not in page


def test_admin_events_are_filed_under_the_admins_organization(alice, org_a, org_a_child, dora):
    event = AuditEvent.objects.get(action="admin.create", target_label="dora")
    assert event.organization == org_a_child


def test_an_admin_of_several_organizations_is_filed_under_their_common_parent(
    operator, org_a, org_a_child, org_b, full_role
):
    from portal.access.services import admin_create
    from portal.organizations.services import organization_create

    second = organization_create(actor=None, name="Org A Two", slug="org-a-two", parent=org_a)
    admin_create(
        actor=operator,
        username="erin",
        email="erin@example.com",
        password="Correct-horse-9",
        role=full_role,
        organizations=[org_a_child, second],
    )
    admin_create(
        actor=operator,
        username="fred",
        email="fred@example.com",
        password="Correct-horse-9",
        role=full_role,
        organizations=[org_a, org_b],
    )
    assert AuditEvent.objects.get(action="admin.create", target_label="erin").organization == org_a
    # No common parent: only the operator sees it (no tenant sees another tenant's scope).
    assert AuditEvent.objects.get(action="admin.create", target_label="fred").organization is None


def test_a_tenant_b_admin_sees_none_of_org_as_events(api, login, alice, charlie, jurgen, org_a):
    client = api(alice)
    client.post(f"/api/v1/accounts/{jurgen.pk}/suspend")
    patch_json(client, "/api/v1/organizations/org-a", {"activation_choices": 3})
    login(alice).get("/accounts/export.csv")
    a_events = set(AuditEvent.objects.filter(organization=org_a).values_list("pk", flat=True))
    assert len(a_events) >= 5
    seen_by_charlie = {
        e["id"] for e in api(charlie).get("/api/v1/audit-events", {"limit": 1000}).json()["items"]
    }
    assert seen_by_charlie and not seen_by_charlie & a_events
    page = login(charlie).get("/activity/").content.decode()
    assert "Jürgen" not in page and "Org A" not in page


def test_a_reports_admin_of_a_sub_organization_sees_only_its_subtree(
    api, login, operator, alice, dora, org_a, org_a_child
):
    from portal.numbers.services import numbers_add

    numbers_add(actor=operator, organization=org_a, values=["+12125550180"])
    numbers_add(actor=operator, organization=org_a_child, values=["+12125550181"])
    mine = api(dora).get("/api/v1/audit-events", {"action": "numbers.add"}).json()["items"]
    assert [(e["organization"], e["details"]["numbers"]) for e in mine] == [
        ("org-a-branch", ["+12125550181"])
    ]
    assert (
        login(dora).get("/activity/", {"action": "numbers.add"}).context["events"][0].organization
        == org_a_child
    )
    assert len(login(dora).get("/activity/", {"action": "numbers.add"}).context["events"]) == 1
    everything = api(alice).get("/api/v1/audit-events", {"action": "numbers.add"}).json()["items"]
    assert {e["organization"] for e in everything} == {"org-a", "org-a-branch"}
    # The organization filter includes sub-organizations; one outside the scope is a 404.
    assert (
        len(
            api(alice)
            .get("/api/v1/audit-events", {"organization": "org-a", "action": "numbers.add"})
            .json()["items"]
        )
        == 2
    )
    assert api(dora).get("/api/v1/audit-events", {"organization": "org-a"}).status_code == 404


def test_events_without_an_organization_are_the_operators_alone(api, login, operator, alice):
    from portal.numbers.services import numbers_add

    numbers_add(actor=operator, organization=None, values=["+33142685099"])  # The operator pool.
    event = AuditEvent.objects.get(action="numbers.add")
    assert event.organization is None
    assert [
        e["id"]
        for e in api(operator)
        .get("/api/v1/audit-events", {"action": "numbers.add"})
        .json()["items"]
    ] == [event.pk]
    assert api(alice).get("/api/v1/audit-events", {"action": "numbers.add"}).json()["items"] == []


def test_a_bulk_job_records_the_admin_who_started_it(
    api, alice, org_a, jurgen, run_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    from portal.accounts import lifecycle

    monkeypatch.setattr(lifecycle, "BULK_TASK_THRESHOLD", 0)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(api(alice), "/api/v1/accounts/suspend", {"ids": [jurgen.pk]})
    assert response.status_code in (200, 202), response.content
    run_tasks()
    event = AuditEvent.objects.get(action="account.suspend")
    assert (event.actor_label, event.actor_id, event.via, event.organization) == (
        "alice",
        alice.pk,
        "task",
        org_a,
    )


def test_a_batch_records_the_admin_who_uploaded_it(
    login, alice, org_a, group_a, numbers_a, run_tasks, django_capture_on_commit_callbacks
):
    data = (
        b"firstname,lastname,email,social_messaging,monitor_calls,monitor_sms\n"
        b"Ada,Lovelace,ada@bank.example,No,off,off\n"
    )
    upload = io.BytesIO(data)
    upload.name = "people.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = login(alice).post(
            "/batches/upload/",
            {
                "organization": org_a.pk,
                "permission_group": group_a.pk,
                "mode": "import",
                "file": upload,
            },
            REMOTE_ADDR="10.9.8.7",
        )
    assert response.status_code == 302, response.content[:500]
    run_tasks()
    upload_event = AuditEvent.objects.get(action="batch.upload")
    assert (upload_event.actor_label, upload_event.ip, upload_event.organization) == (
        "alice",
        "10.9.8.7",
        org_a,
    )
    created = AuditEvent.objects.get(
        action="account.create", target_label__contains="ada@bank.example"
    )
    assert (created.actor_label, created.via, created.organization) == ("alice", "batch", org_a)


def test_exporting_accounts_is_audited_with_what_and_how_many(login, alice, org_a, jurgen):
    response = login(alice).get(
        "/accounts/export.csv", {"status": "not_invited"}, REMOTE_ADDR="10.1.2.3"
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    event = AuditEvent.objects.get(action="export.accounts")
    assert (event.actor_label, event.organization, event.ip) == ("alice", org_a, "10.1.2.3")
    assert (
        event.data
        == {"rows": len(rows) - 1, "status": "not_invited"}
        == {"rows": 1, "status": "not_invited"}
    )


def test_downloading_a_batch_report_is_audited_in_the_portal_and_the_api(
    login, api, alice, org_a, group_a
):
    from portal.batches.services import batch_create

    batch = batch_create(
        actor=alice,
        organization=org_a,
        permission_group=None,
        filename="people.csv",
        data=b"email,social_messaging,monitor_calls,monitor_sms\nada@bank.example,No,off,off\n",
        enqueue=False,
    )
    assert login(alice).get(f"/batches/{batch.pk}/report.csv").status_code == 200
    assert api(alice).get(f"/api/v1/batches/{batch.pk}/report.csv").status_code == 200
    events = AuditEvent.objects.filter(action="export.batch_report").order_by("id")
    assert [
        (e.via, e.batch_id, e.organization, e.data["rows"], e.data["file"]) for e in events
    ] == [("portal", batch.pk, org_a, 1, "people.csv"), ("api", batch.pk, org_a, 1, "people.csv")]


def test_exporting_the_activity_is_audited_and_holds_what_was_counted(login, alice, org_a, jurgen):
    response = login(alice).get("/activity/activity.csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    event = AuditEvent.objects.get(action="export.audit")
    assert event.data["rows"] == len(rows) > 0
    assert event.organization == org_a
    assert "export.audit" not in {r["action"] for r in rows}
    assert {"ip", "user_agent", "event"} <= set(rows[0])


def test_the_bulk_insert_path_carries_the_request_context(api, alice, org_a, group_a, numbers_a):
    """`rows`/`record_many` (what batches use for thousands of events) record the same context."""
    from portal.audit import services as audit

    with audit.origin(ip="10.1.1.1", user_agent=UA), audit.via("batch"):
        audit.record_many(
            audit.rows(
                actor=alice,
                action="account.create",
                organization=org_a,
                items=[(None, {"row": n}) for n in range(3)],
            )
        )
    events = AuditEvent.objects.filter(action="account.create").order_by("id")
    assert [(e.ip, e.user_agent, e.via, e.organization_id, e.data["row"]) for e in events] == [
        ("10.1.1.1", UA, "batch", org_a.pk, n) for n in range(3)
    ]


def test_anonymous_calls_write_nothing_and_answer_401(db):
    response = Client().get("/api/v1/audit-events")
    assert response.status_code == 401
    assert response.json()["error"]
