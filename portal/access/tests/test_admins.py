"""Admins and roles: an admin never grants privileges it
lacks nor organizations outside its scope."""

import pytest
from django.contrib.auth import get_user_model

from portal.access.models import Role
from portal.access.services import admin_create, admin_update, admins_visible_to, role_save
from portal.audit.models import AuditEvent
from portal.lib.errors import DomainError, Forbidden, NotFound

pytestmark = pytest.mark.django_db
User = get_user_model()


def make(actor, username, role, organizations):
    return admin_create(
        actor=actor,
        username=username,
        email=f"{username}@example.com",
        password="Correct-horse-9",
        role=role,
        organizations=organizations,
    )


def test_an_admin_creates_admins_within_its_scope(alice, full_role, org_a_child, org_b):
    erin = make(alice, "erin", full_role, [org_a_child])
    assert list(erin.admin.organizations.all()) == [org_a_child]
    assert AuditEvent.objects.filter(
        action="admin.create", actor_label="alice", target_label="erin"
    ).exists()
    with pytest.raises(Forbidden) as error:
        make(alice, "frank", full_role, [org_b])
    assert error.value.fields == {"organizations": ["outside your scope: org-b"]}
    assert not User.objects.filter(username="frank").exists()


def test_an_admin_cannot_grant_privileges_it_lacks(bob, full_role, no_accounts_role, org_a):
    with pytest.raises(Forbidden) as error:
        make(bob, "erin", full_role, [org_a])
    assert "Accounts" in error.value.message
    make(bob, "erin", no_accounts_role, [org_a])
    with pytest.raises(Forbidden):
        role_save(actor=bob, name="Sneaky", privileges=["accounts"])
    with pytest.raises(Forbidden):
        role_save(actor=bob, name="Full admin", privileges=["numbers"], role=full_role)


def test_a_role_used_outside_the_scope_is_not_changed_by_an_org_admin(alice, charlie, full_role):
    with pytest.raises(Forbidden):
        role_save(actor=alice, name="Full admin", privileges=["numbers"], role=full_role)
    assert Role.objects.get(pk=full_role.pk).privileges != ["numbers"]


def test_admin_rules(operator, alice, full_role, org_a):
    with pytest.raises(DomainError) as error:
        make(operator, "alice", full_role, [org_a])
    assert error.value.fields == {"username": ["taken"]}
    with pytest.raises(DomainError) as error:
        make(operator, "erin", full_role, [])
    assert "organizations" in error.value.fields
    with pytest.raises(DomainError) as error:
        admin_create(
            actor=operator,
            username="erin",
            email="e@example.com",
            password="123",
            role=full_role,
            organizations=[org_a],
        )
    assert "password" in error.value.fields
    with pytest.raises(DomainError):
        admin_update(
            actor=alice, user=alice, role=full_role, organizations=[org_a], is_active=False
        )


def test_admins_see_only_admins_inside_their_scope(
    alice, bob, charlie, operator, org_a, org_b, full_role
):
    both = make(operator, "olga", full_role, [org_a, org_b])
    assert set(admins_visible_to(alice).values_list("username", flat=True)) == {"alice", "bob"}
    assert set(admins_visible_to(charlie).values_list("username", flat=True)) == {"charlie"}
    assert set(admins_visible_to(operator).values_list("username", flat=True)) == {
        "alice",
        "bob",
        "charlie",
        "olga",
        "operator",
    }
    with pytest.raises(NotFound):
        admin_update(actor=alice, user=both, role=full_role, organizations=[org_a])


def test_deactivated_admins_lose_access(login, operator, bob, full_role, no_accounts_role, org_a):
    admin_update(
        actor=operator, user=bob, role=no_accounts_role, organizations=[org_a], is_active=False
    )
    assert login(bob).get("/numbers/").status_code == 302  # back to the login page


@pytest.mark.parametrize(
    "persona, status", [("alice", 200), ("bob", 200), ("charlie", 200), ("operator", 200)]
)
def test_the_admins_screen_needs_the_administrators_privilege(request, login, persona, status):
    assert login(request.getfixturevalue(persona)).get("/access/").status_code == status


def test_without_the_administrators_privilege_it_is_403(login, org_a):
    role = role_save(actor=None, name="Accounts only", privileges=["accounts"])
    dave = make(None, "dave", role, [org_a])
    client = login(dave)
    assert client.get("/access/").status_code == 403
    assert client.get("/access/admins/new/").status_code == 403
    assert client.get("/access/roles/new/").status_code == 403


def test_the_admins_screen_lists_admins_with_role_and_scope(login, alice, bob, charlie):
    page = login(alice).get("/access/").content.decode()
    assert "bob" in page and "Numbers only" in page and "Org A" in page
    assert "charlie" not in page


def test_it_creates_an_admin_from_the_screen(login, alice, full_role, org_a_child):
    response = login(alice).post(
        "/access/admins/new/",
        {
            "username": "erin",
            "email": "erin@example.com",
            "password": "Correct-horse-9",
            "role": str(full_role.pk),
            "organizations": ["org-a-branch"],
        },
        follow=True,
    )
    assert "Created the admin erin" in response.content.decode()
    erin = User.objects.get(username="erin")
    assert erin.check_password("Correct-horse-9")
    assert [o.slug for o in erin.admin.organizations.all()] == ["org-a-branch"]


def test_the_form_offers_neither_organizations_nor_roles_beyond_the_admins_own(
    login, bob, full_role, no_accounts_role, org_b
):
    client = login(bob)
    page = client.get("/access/admins/new/").content.decode()
    assert "org-b" not in page and f'value="{full_role.pk}"' not in page
    response = client.post(
        "/access/admins/new/",
        {
            "username": "erin",
            "email": "erin@example.com",
            "password": "Correct-horse-9",
            "role": str(full_role.pk),
            "organizations": ["org-b"],
        },
    )
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(username="erin").exists()


def test_it_edits_role_scope_and_active(login, alice, bob, no_accounts_role, org_a_child):
    login(alice).post(
        f"/access/admins/{bob.pk}/",
        {"role": str(no_accounts_role.pk), "organizations": ["org-a-branch"]},
    )
    bob.refresh_from_db()
    assert not bob.is_active
    assert [o.slug for o in bob.admin.organizations.all()] == ["org-a-branch"]


def test_charlie_cannot_edit_admins_of_org_a(login, charlie, alice):
    assert login(charlie).get(f"/access/admins/{alice.pk}/").status_code == 404


def test_roles_are_created_and_edited_with_privilege_checkboxes(login, operator):
    client = login(operator)
    client.post("/access/roles/new/", {"name": "Read-only", "privileges": ["reports"]})
    role = Role.objects.get(name="Read-only")
    assert role.privileges == ["reports"]
    client.post(
        f"/access/roles/{role.pk}/", {"name": "Auditor", "privileges": ["reports", "numbers"]}
    )
    role.refresh_from_db()
    assert (role.name, role.privileges) == ("Auditor", ["numbers", "reports"])
