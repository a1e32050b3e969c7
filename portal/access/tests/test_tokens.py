"""API tokens: issued once, stored hashed, revocable;
managed by their admin or an API Users admin."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from portal.access.models import ApiToken, hash_token
from portal.access.services import admin_create, role_save, token_issue, token_revoke
from portal.audit.models import AuditEvent
from portal.lib.errors import Forbidden, NotFound

pytestmark = pytest.mark.django_db


def bearer(raw):
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_a_token_is_stored_hashed_and_works_until_revoked(alice, numbers_a):
    token, raw = token_issue(actor=alice, user=alice, name="HR sync")
    assert token.key_hash == hash_token(raw) and raw not in (token.key_hash, token.prefix)
    assert bearer(raw).get("/api/v1/numbers").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    token_revoke(actor=alice, token=token)
    response = bearer(raw).get("/api/v1/numbers")
    assert response.status_code == 401 and set(response.json()) == {"error", "fields", "code"}
    assert list(
        AuditEvent.objects.filter(action__startswith="api_token.")
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["api_token.issue", "api_token.revoke"]


def test_a_token_of_a_deactivated_admin_is_refused(alice, bob, operator, no_accounts_role, org_a):
    from portal.access.services import admin_update

    _token, raw = token_issue(actor=bob, user=bob)
    admin_update(
        actor=operator, user=bob, role=no_accounts_role, organizations=[org_a], is_active=False
    )
    assert bearer(raw).get("/api/v1/numbers").status_code == 401


def service_admin(username, role, organizations):
    return admin_create(
        actor=None,
        username=username,
        email=f"{username}@example.com",
        role=role,
        organizations=organizations,
        api_only=True,
    )


def test_only_api_users_admins_manage_other_admins_tokens(
    alice, bob, charlie, no_accounts_role, org_a, org_b
):
    # Changed with issue 8: an API Users admin issues tokens for service admins only (bob is a
    # person).
    sync = service_admin("hr-sync", no_accounts_role, [org_a])
    token_issue(actor=alice, user=sync)  # alice has API Users and every privilege of sync's role
    with pytest.raises(Forbidden):
        token_issue(actor=alice, user=bob)
    with pytest.raises(NotFound):
        token_issue(actor=alice, user=service_admin("b-sync", no_accounts_role, [org_b]))
    role = role_save(actor=None, name="Accounts only", privileges=["accounts"])
    dave = admin_create(
        actor=None,
        username="dave",
        email="dave@example.com",
        password="Correct-horse-9",
        role=role,
        organizations=[org_a],
    )
    with pytest.raises(Forbidden):
        token_issue(actor=dave, user=sync)
    token, _raw = token_issue(actor=bob, user=bob)
    with pytest.raises(Forbidden):
        token_revoke(actor=dave, token=token)


def test_the_tokens_page_shows_the_new_token_once(login, alice, org_a):
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
    posted = client.post("/access/tokens/issue/", {"name": "script", "user": str(dave.pk)})
    assert (
        posted.status_code == 303 and posted["Location"] == "/access/tokens/"
    )  # a reload issues nothing
    response = client.get(posted["Location"])
    raw = response.context["raw"]
    assert raw.startswith("ml_") and raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert ApiToken.objects.filter(user=dave).count() == 1
    page = client.get("/access/tokens/").content.decode()
    assert raw not in page and raw[:10] in page and "script" in page
    token = ApiToken.objects.get(user=dave)
    client.post(f"/access/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(raw).get("/api/v1/numbers").status_code == 401


def test_an_admin_without_api_users_cannot_touch_others_tokens_through_the_page(
    login, alice, org_a
):
    role = role_save(actor=None, name="Accounts only", privileges=["accounts"])
    dave = admin_create(
        actor=None,
        username="dave",
        email="dave@example.com",
        password="Correct-horse-9",
        role=role,
        organizations=[org_a],
    )
    token, _raw = token_issue(actor=alice, user=alice)
    client = login(dave)
    assert client.post(f"/access/tokens/{token.pk}/revoke/").status_code == 404
    response = client.post("/access/tokens/issue/", {"user": str(alice.pk)})
    assert response.status_code == 400
    assert not ApiToken.objects.filter(user=alice).exclude(pk=token.pk).exists()


def test_an_api_users_admin_issues_tokens_for_service_admins_in_scope(
    login, alice, bob, charlie, no_accounts_role, org_a
):
    sync = service_admin("hr-sync", no_accounts_role, [org_a])
    client = login(alice)
    page = client.get("/access/tokens/").content.decode()
    assert "hr-sync" in page and "charlie" not in page
    assert f'<option value="{bob.pk}"' not in page  # a person issues its own tokens
    response = client.post(
        "/access/tokens/issue/", {"user": str(sync.pk), "name": "for HR"}, follow=True
    )
    assert bearer(response.context["raw"]).get("/api/v1/numbers").status_code == 200
    assert client.post("/access/tokens/issue/", {"user": str(charlie.pk)}).status_code == 400
    assert client.post("/access/tokens/issue/", {"user": str(bob.pk)}).status_code == 400


def test_issue_token_prints_only_a_working_token(alice, numbers_a):
    out = io.StringIO()
    call_command("issue_token", "alice", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("ml_") and "\n" not in raw
    assert bearer(raw).get("/api/v1/numbers").json()["items"][0]["number"] == numbers_a[0]
    assert AuditEvent.objects.filter(action="api_token.issue", via="cli").exists()


def test_issue_token_refuses_an_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No admin named"):
        call_command("issue_token", "nobody")
