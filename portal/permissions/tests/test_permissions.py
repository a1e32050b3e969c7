"""User Permissions: services, screen and API, with the privilege/scope matrix."""

import json

import pytest

from portal.audit.models import AuditEvent
from portal.lib.errors import DomainError
from portal.permissions.models import PermissionGroup
from portal.permissions.services import (
    permission_group_create,
    permission_group_rename,
    permission_group_set_default,
)

pytestmark = pytest.mark.django_db


def groups(org):
    return list(
        PermissionGroup.objects.filter(organization=org)
        .order_by("name")
        .values_list("name", "is_default")
    )


def test_one_default_per_organization(alice, org_a):
    group = permission_group_create(
        actor=alice, organization=org_a, name="default cos for org 2000", default=True
    )
    assert groups(org_a) == [("default cos for org 2000", True), ("default cos for org-a", False)]
    other = PermissionGroup.objects.get(name="default cos for org-a")
    permission_group_set_default(actor=alice, group=other)
    assert groups(org_a) == [("default cos for org 2000", False), ("default cos for org-a", True)]
    permission_group_rename(actor=alice, group=group, name="Executives")
    assert ("Executives", False) in groups(org_a)
    assert list(
        AuditEvent.objects.filter(action__startswith="permission_group.", actor_label="alice")
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["permission_group.create", "permission_group.set_default", "permission_group.rename"]


def test_names_are_required_and_unique_per_organization(alice, org_a, org_b):
    with pytest.raises(DomainError) as error:
        permission_group_create(actor=alice, organization=org_a, name="default cos for org-a")
    assert error.value.fields == {"name": ["taken"]}
    permission_group_create(actor=None, organization=org_b, name="default cos for org-a")
    with pytest.raises(DomainError):
        permission_group_create(actor=alice, organization=org_a, name="  ")
    group = PermissionGroup.objects.get(organization=org_a)
    permission_group_create(actor=alice, organization=org_a, name="Sales")
    with pytest.raises(DomainError):
        permission_group_rename(actor=alice, group=group, name="Sales")


@pytest.mark.parametrize(
    "persona, status", [("alice", 200), ("bob", 200), ("charlie", 200), ("operator", 200)]
)
def test_the_screen_is_open_to_admins_with_the_permissions_privilege(
    request, login, persona, status
):
    assert login(request.getfixturevalue(persona)).get("/permission-groups/").status_code == status


def test_the_screen_shows_only_groups_in_scope(login, alice, charlie, org_a, org_b):
    page = login(charlie).get("/permission-groups/").content.decode()
    assert "default cos for org-b" in page and "default cos for org-a" not in page


def test_it_creates_renames_and_sets_the_default_from_the_screen(login, alice, org_a):
    client = login(alice)
    response = client.post(
        "/permission-groups/new/",
        {"organization": "org-a", "name": "default cos for org 2000", "default": "on"},
        follow=True,
    )
    assert "Created “default cos for org 2000”" in response.content.decode()
    group = PermissionGroup.objects.get(name="default cos for org 2000")
    assert group.is_default
    client.post(f"/permission-groups/{group.pk}/rename/", {"name": "Gold"})
    other = PermissionGroup.objects.get(name="default cos for org-a")
    client.post(f"/permission-groups/{other.pk}/default/")
    assert groups(org_a) == [("Gold", False), ("default cos for org-a", True)]


def test_a_duplicate_name_is_shown_on_the_form(login, alice, org_a):
    response = login(alice).post(
        "/permission-groups/new/", {"organization": "org-a", "name": "default cos for org-a"}
    )
    assert (
        response.status_code == 400
        and "already has a permission group" in response.content.decode()
    )


def test_charlie_cannot_touch_org_a_groups(login, charlie, org_a):
    group = PermissionGroup.objects.get(organization=org_a)
    client = login(charlie)
    assert (
        client.post(f"/permission-groups/{group.pk}/rename/", {"name": "Mine"}).status_code == 404
    )
    assert client.post(f"/permission-groups/{group.pk}/default/").status_code == 404
    response = client.post("/permission-groups/new/", {"organization": "org-a", "name": "Sneaky"})
    assert response.status_code == 400
    assert not PermissionGroup.objects.filter(name__in=["Mine", "Sneaky"]).exists()


def test_without_the_permissions_privilege_it_is_403(login, api, org_a):
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
    assert login(dave).get("/permission-groups/").status_code == 403
    assert api(dave).get("/api/v1/permission-groups").status_code == 403


@pytest.mark.parametrize(
    "persona, organization, status",
    [
        ("alice", "org-a", 201),
        ("bob", "org-a", 201),
        ("charlie", "org-a", 404),
        ("operator", "org-a", 201),
        ("charlie", "org-b", 201),
    ],
)
def test_the_api_creates_groups_in_scope(request, api, org_a, org_b, persona, organization, status):
    response = api(request.getfixturevalue(persona)).post(
        "/api/v1/permission-groups",
        json.dumps({"organization": organization, "name": "Gold", "default": True}),
        content_type="application/json",
    )
    assert response.status_code == status
    if status == 201:
        assert response.json() == {
            "id": response.json()["id"],
            "organization": organization,
            "name": "Gold",
            "default": True,
        }
    else:
        assert not PermissionGroup.objects.filter(name="Gold").exists()


def test_the_api_lists_renames_and_sets_the_default(api, alice, charlie, org_a, org_b):
    client = api(alice)
    assert [g["name"] for g in client.get("/api/v1/permission-groups").json()] == [
        "default cos for org-a"
    ]
    assert client.get("/api/v1/permission-groups", {"organization": "org-b"}).status_code == 404
    created = client.post(
        "/api/v1/permission-groups",
        json.dumps({"organization": "org-a", "name": "Gold"}),
        content_type="application/json",
    ).json()
    response = client.patch(
        f"/api/v1/permission-groups/{created['id']}",
        json.dumps({"name": "Platinum", "default": True}),
        content_type="application/json",
    )
    assert response.json()["name"] == "Platinum" and response.json()["default"] is True
    assert (
        api(charlie)
        .patch(
            f"/api/v1/permission-groups/{created['id']}",
            json.dumps({"name": "x"}),
            content_type="application/json",
        )
        .status_code
        == 404
    )
    duplicate = client.post(
        "/api/v1/permission-groups",
        json.dumps({"organization": "org-a", "name": "Platinum"}),
        content_type="application/json",
    )
    assert duplicate.status_code == 400 and duplicate.json()["fields"] == {"name": ["taken"]}
