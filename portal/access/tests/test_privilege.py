"""Least privilege that holds (issue 8, point 2; token expiry from point 5), from the outside:
roles per organization and operator templates, grant rules, service admins and their tokens,
token expiry, Bulk Resend and the Dashboard, through the portal, the API and the CLI."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from portal.access.models import ApiToken, Role
from portal.access.services import admin_create, role_save, token_issue
from portal.audit.models import AuditEvent
from portal.audit.services import acting

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "Correct-horse-9"


def person(username, privileges, organizations, *, name=None):
    role = role_save(actor=None, name=name or f"{username} role", privileges=privileges)
    return admin_create(
        actor=None,
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        role=role,
        organizations=organizations,
    )


def service(username, role, organizations):
    return admin_create(
        actor=None,
        username=username,
        email=f"{username}@example.com",
        role=role,
        organizations=organizations,
        api_only=True,
    )


def bearer(raw):
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def patch(client, path, body):
    return client.patch(path, body, content_type="application/json")


# ---------------------------------------------------------------- roles belong to an organization


def test_an_organizations_role_is_seen_and_changed_only_in_its_tenant(
    api, login, alice, charlie, full_role
):
    a, b = api(alice), api(charlie)
    created = post(
        a,
        "/api/v1/roles",
        {"name": "Helpdesk A", "organization": "org-a", "privileges": ["accounts", "reports"]},
    )
    assert created.status_code == 201, created.content
    role_id = created.json()["id"]
    assert created.json()["organization"] == "org-a" and created.json()["editable"] is True
    assert Role.objects.get(pk=role_id).organization.slug == "org-a"

    names_b = {r["name"] for r in b.get("/api/v1/roles").json()}
    assert "Helpdesk A" not in names_b and "Full admin" in names_b  # templates are seen by all
    assert "Helpdesk A" not in login(charlie).get("/access/").content.decode()
    assert "Helpdesk A" not in login(charlie).get("/access/admins/new/").content.decode()
    assert patch(b, f"/api/v1/roles/{role_id}", {"privileges": ["accounts"]}).status_code == 404
    assert login(charlie).get(f"/access/roles/{role_id}/").status_code == 404
    assert (
        login(charlie)
        .post(f"/access/roles/{role_id}/", {"name": "Mine", "privileges": []})
        .status_code
        == 404
    )

    changed = patch(a, f"/api/v1/roles/{role_id}", {"name": "Helpdesk", "privileges": ["accounts"]})
    assert changed.status_code == 200 and changed.json()["privileges"] == ["accounts"]
    assert "Helpdesk" in login(alice).get("/access/").content.decode()
    # Org B may have a role of the same name; a second one in org A is refused.
    assert (
        post(b, "/api/v1/roles", {"name": "Helpdesk", "organization": "org-b"}).status_code == 201
    )
    again = post(a, "/api/v1/roles", {"name": "helpdesk", "organization": "org-a"})
    assert again.status_code == 400 and again.json()["fields"] == {"name": ["taken"]}
    # Org B's slug is not in alice's scope: the same answer as a slug that does not exist.
    other = post(a, "/api/v1/roles", {"name": "X", "organization": "org-b"})
    nowhere = post(a, "/api/v1/roles", {"name": "X", "organization": "no-such-org"})
    assert other.status_code == nowhere.status_code == 400
    assert set(other.json()["fields"]) == {"organization"}


def test_the_role_form_makes_roles_of_the_admins_organizations(
    login, alice, charlie, org_a, org_a_child
):
    client = login(alice)
    page = client.get("/access/roles/new/").content.decode()
    assert (
        'value="org-a"' in page and 'value="org-b"' not in page and "Template for every" not in page
    )
    missing = client.post("/access/roles/new/", {"name": "Tellers", "privileges": ["accounts"]})
    assert missing.status_code == 200 and not Role.objects.filter(name="Tellers").exists()
    client.post(
        "/access/roles/new/",
        {"name": "Tellers", "organization": "org-a", "privileges": ["accounts"]},
    )
    tellers = Role.objects.get(name="Tellers")
    assert tellers.organization == org_a
    assert (
        client.post(
            "/access/roles/new/", {"name": "Sneaky", "organization": "org-b", "privileges": []}
        ).status_code
        == 200
    )  # not a choice
    assert not Role.objects.filter(name="Sneaky").exists()
    # An admin of the branch sees its parent's role (it can be given there), read-only.
    branch = person("brenda", ["administrators", "accounts"], [org_a_child])
    branch_page = login(branch).get("/access/").content.decode()
    assert "Tellers" in branch_page and "Org A" in branch_page
    assert login(branch).get(f"/access/roles/{tellers.pk}/").status_code == 403
    made = login(branch).post(
        "/access/admins/new/",
        {
            "username": "tina",
            "email": "tina@example.com",
            "password": PASSWORD,
            "role": str(tellers.pk),
            "organizations": ["org-a-branch"],
        },
    )
    assert made.status_code == 302 and User.objects.get(username="tina").admin.role == tellers
    assert "Tellers" not in login(charlie).get("/access/").content.decode()


def test_operator_templates_are_read_only_to_organizations(api, login, operator, alice, full_role):
    a, op = api(alice), api(operator)
    assert (
        post(a, "/api/v1/roles", {"name": "My template", "organization": None}).status_code == 403
    )
    refused = patch(a, f"/api/v1/roles/{full_role.pk}", {"privileges": ["accounts"]})
    assert refused.status_code == 403 and "template" in refused.json()["error"]
    assert login(alice).get(f"/access/roles/{full_role.pk}/").status_code == 403
    assert (
        login(alice)
        .post(f"/access/roles/{full_role.pk}/", {"name": "Full admin", "privileges": ["numbers"]})
        .status_code
        == 403
    )
    assert Role.objects.get(pk=full_role.pk).privileges == full_role.privileges
    created = post(
        op, "/api/v1/roles", {"name": "Auditor", "organization": None, "privileges": ["reports"]}
    )
    assert created.status_code == 201 and created.json()["organization"] is None
    assert "Auditor" in {r["name"] for r in a.get("/api/v1/roles").json()}
    assert patch(
        op, f"/api/v1/roles/{created.json()['id']}", {"privileges": ["reports", "numbers"]}
    ).json()["privileges"] == ["numbers", "reports"]
    bad = post(op, "/api/v1/roles", {"name": "Odd", "privileges": ["accounts", "root"]})
    assert bad.status_code == 400 and bad.json()["fields"] == {"privileges": ["unknown: root"]}


def test_a_role_of_one_organization_is_not_given_outside_it(
    api, operator, alice, charlie, org_a, org_b
):
    role = role_save(actor=alice, name="Branch staff", privileges=["accounts"], organization=org_a)
    body = {
        "username": "berta",
        "email": "berta@example.com",
        "password": PASSWORD,
        "role": role.pk,
        "organizations": ["org-b"],
    }
    refused = post(api(operator), "/api/v1/admins", body)
    assert refused.status_code == 400 and "role" in refused.json()["fields"]
    refused = post(api(charlie), "/api/v1/admins", body)  # charlie does not even see the role
    assert refused.status_code == 400 and refused.json()["fields"] == {"role": ["no such role"]}
    assert not User.objects.filter(username="berta").exists()
    made = post(
        api(alice),
        "/api/v1/admins",
        {**body, "role": "Branch staff", "organizations": ["org-a-branch"]},
    )
    assert made.status_code == 400  # no org-a-branch fixture here: not an organization in scope
    made = post(
        api(alice), "/api/v1/admins", {**body, "role": "Branch staff", "organizations": ["org-a"]}
    )
    assert made.status_code == 201 and made.json()["role_name"] == "Branch staff"


def test_role_and_admin_changes_are_audited_under_their_organization(api, alice, org_a):
    a = api(alice)
    role = post(
        a,
        "/api/v1/roles",
        {"name": "Helpdesk", "organization": "org-a", "privileges": ["accounts"]},
    )
    patch(a, f"/api/v1/roles/{role.json()['id']}", {"privileges": ["accounts", "reports"]})
    made = post(
        a,
        "/api/v1/admins",
        {
            "username": "erin",
            "email": "erin@example.com",
            "password": PASSWORD,
            "role": role.json()["id"],
            "organizations": ["org-a"],
        },
    )
    patch(a, f"/api/v1/admins/{made.json()['id']}", {"is_active": False})
    events = AuditEvent.objects.filter(
        actor=alice, action__in=["role.create", "role.update", "admin.create", "admin.update"]
    )
    assert sorted(events.values_list("action", flat=True)) == [
        "admin.create",
        "admin.update",
        "role.create",
        "role.update",
    ]
    assert {(e.actor_label, e.organization_id, e.via) for e in events} == {
        ("alice", org_a.pk, "api")
    }


# ------------------------------------------------------- nobody changes a more privileged admin


def test_an_administrators_only_admin_cannot_downgrade_or_deactivate_a_more_privileged_one(
    api, login, alice, bob, org_a
):
    ada = person("ada", ["administrators"], [org_a])
    peer = person("peer", ["administrators"], [org_a], name="Admins only 2")
    client = api(ada)
    listed = {a["username"] for a in client.get("/api/v1/admins").json()}
    assert {"alice", "bob", "peer"} <= listed  # seen, but not changed
    for target in (alice, bob):
        for change in (
            {"is_active": False},
            {"role": peer.admin.role.pk},
            {"email": "x@example.com"},
        ):
            answer = patch(client, f"/api/v1/admins/{target.pk}", change)
            assert answer.status_code == 403, (target, change, answer.content)
    bob.refresh_from_db()
    assert (
        bob.is_active and bob.admin.role.name == "Numbers only" and bob.email == "bob@example.com"
    )
    portal = login(ada)
    assert portal.get(f"/access/admins/{bob.pk}/").status_code == 403
    assert (
        portal.post(
            f"/access/admins/{bob.pk}/",
            {"role": str(peer.admin.role.pk), "organizations": ["org-a"]},
        ).status_code
        == 403
    )
    page = portal.get("/access/").content.decode()
    assert (
        f'href="/access/admins/{bob.pk}/"' not in page
        and f'href="/access/admins/{peer.pk}/"' in page
    )
    # An admin whose privileges ada all holds is hers to change.
    answer = patch(client, f"/api/v1/admins/{peer.pk}", {"is_active": False, "first_name": "Pia"})
    assert answer.status_code == 200 and answer.json()["is_active"] is False
    assert answer.json()["first_name"] == "Pia"
    # Nor can she give herself or anyone a role with more than she holds.
    assert patch(client, f"/api/v1/admins/{ada.pk}", {"role": bob.admin.role.pk}).status_code == 403


# ------------------------------------------------------- tokens: oneself, or a service admin ⊆ it


def test_an_api_users_only_admin_mints_no_token_for_a_more_privileged_admin(
    api, alice, bob, full_role, org_a
):
    minter = person("minter", ["api_users"], [org_a])
    client = api(minter)
    for target in ("alice", "bob"):  # people: only they issue their tokens
        answer = post(client, "/api/v1/tokens", {"admin": target})
        assert answer.status_code == 403 and answer.json()["fields"] == {
            "admin": ["not a service admin"]
        }
    strong = service("strong-sync", full_role, [org_a])
    answer = post(client, "/api/v1/tokens", {"admin": "strong-sync"})
    assert (
        answer.status_code == 403 and "privileges you lack" in answer.json()["fields"]["admin"][0]
    )
    assert post(client, "/api/v1/tokens", {"admin": "charlie"}).status_code == 404
    assert not ApiToken.objects.filter(user__in=[alice, bob, strong]).exists()
    # Its own token acts with its own privileges only.
    own = post(client, "/api/v1/tokens", {"name": "mine"})
    assert own.status_code == 201
    assert bearer(own.json()["token"]).get("/api/v1/accounts").status_code == 403
    # A service admin whose privileges it all holds: yes, and that token works.
    weak = service("weak-sync", Role.objects.get(name="minter role"), [org_a])
    issued = post(client, "/api/v1/tokens", {"admin": "weak-sync", "name": "nightly"})
    assert issued.status_code == 201 and issued.json()["admin"] == "weak-sync"
    assert bearer(issued.json()["token"]).get("/api/v1/tokens").status_code == 200
    event = AuditEvent.objects.get(action="api_token.issue", target_id=str(issued.json()["id"]))
    assert (event.actor_label, event.organization_id) == ("minter", org_a.pk)
    listed = client.get("/api/v1/tokens").json()
    assert {t["admin"] for t in listed} == {"minter", "weak-sync"}
    assert all("token" not in t for t in listed)
    assert weak.pk  # service admins sign in with nothing but tokens
    refused = Client().post("/login/", {"username": "weak-sync", "password": ""})  # (axes: a form)
    assert refused.status_code == 200


def test_a_person_without_api_users_manages_only_its_own_tokens(
    api, alice, bob, no_accounts_role, org_a
):
    solo = person("solo", ["accounts"], [org_a])
    client = api(solo)
    mine = post(client, "/api/v1/tokens", {"expires_in_days": 30})
    assert mine.status_code == 201
    sync = service("hr-sync", Role.objects.get(name="solo role"), [org_a])
    assert post(client, "/api/v1/tokens", {"admin": "hr-sync"}).status_code == 403
    alices, _raw = token_issue(actor=alice, user=alice)
    assert client.delete(f"/api/v1/tokens/{alices.pk}").status_code == 404
    assert {t["admin"] for t in client.get("/api/v1/tokens").json()} == {"solo"}
    assert sync.pk


def test_tokens_expire_and_show_expiry_and_last_use(api, login, alice, numbers_a, settings):
    client = api(alice)
    issued = post(client, "/api/v1/tokens", {"name": "short", "expires_in_days": 2})
    assert issued.status_code == 201
    body = issued.json()
    assert body["token"].startswith("ml_") and body["prefix"] == body["token"][:10]
    lifetime = datetime.fromisoformat(body["expires_at"]) - timezone.now()
    assert timedelta(days=1, hours=23) < lifetime <= timedelta(days=2)
    raw = body["token"]
    assert bearer(raw).get("/api/v1/numbers").status_code == 200
    listed = {t["id"]: t for t in client.get("/api/v1/tokens").json()}[body["id"]]
    assert listed["last_used_at"] is not None and listed["expires_at"] and "token" not in listed
    page = login(alice).get("/access/tokens/").content.decode()
    assert "Expires" in page and "short" in page and raw not in page
    ApiToken.objects.filter(pk=body["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = bearer(raw).get("/api/v1/numbers")
    assert expired.status_code == 401 and set(expired.json()) == {"error", "fields", "code"}
    assert "Expired" in login(alice).get("/access/tokens/").content.decode()
    default = post(client, "/api/v1/tokens", {}).json()
    days = (datetime.fromisoformat(default["expires_at"]) - timezone.now()).days
    assert days == settings.API_TOKEN_DEFAULT_DAYS - 1  # 89 days and some hours: 90 days from now
    for bad in (0, 366, -5, "7", True):
        answer = post(client, "/api/v1/tokens", {"expires_in_days": bad})
        assert answer.status_code == 400 and "expires_in_days" in answer.json()["fields"], bad
    refused = login(alice).post(
        "/access/tokens/issue/", {"user": str(alice.pk), "expires_in_days": "400"}
    )
    assert refused.status_code == 400


def test_a_revoked_token_answers_401_and_revoking_is_204(api, alice):
    client = api(alice)
    issued = post(client, "/api/v1/tokens", {"name": "to revoke"}).json()
    assert client.delete(f"/api/v1/tokens/{issued['id']}").status_code == 204
    assert bearer(issued["token"]).get("/api/v1/tokens").status_code == 401
    assert client.delete("/api/v1/tokens/999999").status_code == 404
    assert [
        t["revoked_at"] is not None
        for t in client.get("/api/v1/tokens").json()
        if t["id"] == issued["id"]
    ] == [True]


def test_issue_token_takes_an_expiry_and_records_the_real_actor(operator, alice, bob):
    out = io.StringIO()
    with acting(user=operator):
        call_command("issue_token", "alice", "--expires-in-days", "7", stdout=out)
    token = ApiToken.objects.get(user=alice)
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)
    event = AuditEvent.objects.get(action="api_token.issue")
    assert event.actor_label == "operator" and event.target_id == str(token.pk)
    with acting(label="cli:ops"):
        call_command("issue_token", "bob", stdout=io.StringIO())
    assert AuditEvent.objects.filter(action="api_token.issue", actor_label="cli:ops").count() == 1
    with acting(user=bob), pytest.raises(CommandError, match="not a service admin"):
        call_command("issue_token", "alice", stdout=io.StringIO())  # --as bob: bob's rules apply
    with pytest.raises(CommandError, match="1 to 365"):
        call_command("issue_token", "alice", "--expires-in-days", "999", stdout=io.StringIO())


# ---------------------------------------------------------------- admins through the API


def test_admins_api_creates_lists_and_refuses_weak_passwords(api, alice, no_accounts_role, org_a):
    client = api(alice)
    weak = post(
        client,
        "/api/v1/admins",
        {
            "username": "erin",
            "email": "erin@example.com",
            "password": "password",
            "role": "Numbers only",
            "organizations": ["org-a"],
        },
    )
    assert weak.status_code == 400 and weak.json()["fields"]["password"]
    made = post(
        client,
        "/api/v1/admins",
        {
            "username": "erin",
            "email": "erin@example.com",
            "password": PASSWORD,
            "role": "Numbers only",
            "organizations": ["org-a"],
            "first_name": "Erin",
        },
    )
    assert made.status_code == 201 and made.json()["id"]
    assert made.json()["organizations"] == ["org-a"] and made.json()["api_only"] is False
    assert Client().post("/login/", {"username": "erin", "password": PASSWORD}).status_code == 302
    assert "erin" in {a["username"] for a in client.get("/api/v1/admins").json()}
    for body, field in (
        ({"email": "not-an-email"}, "email"),
        ({"role": 999999}, "role"),
        ({"organizations": []}, "organizations"),
        ({"organizations": ["org-b"]}, "organizations"),
        ({"username": "ALICE"}, "username"),
    ):
        answer = post(
            client,
            "/api/v1/admins",
            {
                "username": "fay",
                "email": "fay@example.com",
                "password": PASSWORD,
                "role": "Numbers only",
                "organizations": ["org-a"],
                **body,
            },
        )
        assert answer.status_code in (400, 403) and field in answer.json()["fields"], (
            body,
            answer.content,
        )
    assert patch(client, "/api/v1/admins/999999", {"is_active": False}).status_code == 404


def test_without_the_administrators_privilege_the_admin_and_role_api_is_403(api, org_a):
    client = api(person("dora", ["accounts"], [org_a]))
    assert client.get("/api/v1/admins").status_code == 403
    assert client.get("/api/v1/roles").status_code == 403
    assert post(client, "/api/v1/roles", {"name": "R", "organization": "org-a"}).status_code == 403
    assert client.get("/api/v1/tokens").status_code == 200  # its own tokens need nothing more


def test_an_admin_without_a_password_sets_it_from_the_email(
    api, alice, no_accounts_role, smtp_server
):
    made = post(
        api(alice),
        "/api/v1/admins",
        {
            "username": "gina",
            "email": "gina@example.com",
            "role": "Numbers only",
            "organizations": ["org-a"],
        },
    )
    assert made.status_code == 201, made.content
    gina = User.objects.get(username="gina")
    assert not gina.has_usable_password()
    [message] = smtp_server.wait_for(1)
    assert "gina@example.com" in str(message["To"])
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"http://\S+/password/set/\S+/", text).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    browser = Client()
    shown = browser.get("/" + path)
    assert shown.status_code == 302  # Django moves the token out of the URL into the session
    form = browser.get(shown["Location"])
    assert form.status_code == 200 and "Choose your password" in form.content.decode()
    weak = browser.post(
        shown["Location"], {"new_password1": "password", "new_password2": "password"}
    )
    assert weak.status_code == 200 and "too common" in weak.content.decode()
    done = browser.post(
        shown["Location"],
        {"new_password1": "Gina-Strong-Pass-42", "new_password2": "Gina-Strong-Pass-42"},
    )
    assert done.status_code == 302 and done["Location"] == "/login/"
    signed_in = Client().post("/login/", {"username": "gina", "password": "Gina-Strong-Pass-42"})
    assert signed_in.status_code == 302 and signed_in["Location"] != "/login/"
    again = Client().get("/" + path, follow=True)
    assert "does not work" in again.content.decode()  # the link works once
    assert AuditEvent.objects.filter(action="admin.password_set", actor_label="gina").exists()


def test_the_new_admin_form_sends_the_set_password_email_without_a_password(
    login, alice, full_role, smtp_server
):
    response = login(alice).post(
        "/access/admins/new/",
        {
            "username": "hal",
            "email": "hal@example.com",
            "password": "",
            "role": str(full_role.pk),
            "organizations": ["org-a"],
        },
        follow=True,
    )
    assert "an email to hal@example.com asks it to choose a password" in response.content.decode()
    assert len(smtp_server.wait_for(1)) == 1 and smtp_server.to("hal@example.com")


def test_a_service_admin_is_created_without_password_or_email(
    api, alice, no_accounts_role, smtp_server
):
    made = post(
        api(alice),
        "/api/v1/admins",
        {
            "username": "crm-sync",
            "email": "ops@example.com",
            "role": "Numbers only",
            "organizations": ["org-a"],
            "api_only": True,
        },
    )
    assert made.status_code == 201 and made.json()["api_only"] is True
    assert not User.objects.get(username="crm-sync").has_usable_password()
    assert smtp_server.wait_for(1, timeout=1) == []
    refused = post(
        api(alice),
        "/api/v1/admins",
        {
            "username": "crm2",
            "email": "ops@example.com",
            "password": PASSWORD,
            "role": "Numbers only",
            "organizations": ["org-a"],
            "api_only": True,
        },
    )
    assert refused.status_code == 400 and "password" in refused.json()["fields"]


# ---------------------------------------------------------------- Bulk Resend and the Dashboard


def test_bulk_resend_needs_accounts_bulk_operations(api, login, org_a, numbers_a):
    from portal.accounts.services import account_add

    clerk = person("clerk", ["accounts"], [org_a])
    one = account_add(actor=clerk, organization=org_a, data={"email": "one@example.com"})
    two = account_add(actor=clerk, organization=org_a, data={"email": "two@example.com"})
    portal = login(clerk)
    assert portal.post("/invitations/resend/", {"ids": [one.pk, two.pk]}).status_code == 403
    assert (
        portal.post(
            "/invitations/resend/", {"scope": "filter", "q": "", "status": "", "organization": ""}
        ).status_code
        == 403
    )
    assert (
        portal.post("/invitations/resend/", {"ids": [one.pk]}).status_code == 303
    )  # one: Accounts
    client = api(clerk)
    answer = post(client, "/api/v1/accounts/resend-invitation", {"ids": [one.pk, two.pk]})
    assert answer.status_code == 403 and "Accounts Bulk Operations" in answer.json()["error"]
    answer = post(
        client, "/api/v1/accounts/resend-invitation", {"filter": {}, "all_matching": True}
    )
    assert answer.status_code == 403
    assert post(client, "/api/v1/accounts/resend-invitation", {"ids": [two.pk]}).status_code == 200


def test_the_dashboard_needs_accounts_or_reports(api, login, alice, bob, org_a):
    nina = person("nina", ["numbers"], [org_a])
    numbers_only = login(nina)
    assert numbers_only.get("/dashboard/").status_code == 403
    assert api(nina).get("/api/v1/accounts/dashboard?organization=org-a").status_code == 403
    assert api(bob).get("/api/v1/accounts/dashboard?organization=org-a").status_code == 200
    assert 'href="/dashboard/"' not in numbers_only.get("/numbers/").content.decode()
    reports_only = login(person("rita", ["reports"], [org_a]))
    assert reports_only.get("/dashboard/").status_code == 200
    assert login(bob).get("/dashboard/").status_code == 200  # no Accounts, but Reports
    assert 'href="/dashboard/"' in login(alice).get("/numbers/").content.decode()
