"""Groups are permission groups: membership sets an account's User Permissions."""

from portal.accounts.models import Account
from portal.permissions.models import PermissionGroup

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _user(scim, email):
    return scim.post("Users", {"schemas": [USER], "userName": email}).data["id"]


def test_it_lists_the_permission_groups_of_the_token_organization_only(scim, group_a, group_b):
    listing = scim.get("Groups")

    assert [g["displayName"] for g in listing.data["Resources"]] == [group_a.name]
    found = scim.get("Groups", filter=f'displayName eq "{group_a.name}"')
    assert found.data["totalResults"] == 1
    assert scim.get(f"Groups/{group_b.pk}").status_code == 404


def test_entra_creates_a_group_then_adds_and_removes_members(scim, org_a, group_a):
    anna, marco = _user(scim, "anna.rossi@bank.example"), _user(scim, "marco.bianchi@bank.example")

    created = scim.post(
        "Groups",
        {
            "schemas": [GROUP],
            "displayName": "Branch tellers",
            "externalId": "8c2f6a1e-branch-tellers",
            "members": [],
        },
    )
    assert created.status_code == 201, created.data
    tellers = PermissionGroup.objects.get(pk=created.data["id"])
    assert (tellers.organization, tellers.name) == (org_a, "Branch tellers")

    added = scim.patch(
        f"Groups/{tellers.pk}",
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "Add", "path": "members", "value": [{"value": anna}, {"value": marco}]}
            ],
        },
    )
    assert added.status_code == 200, added.data
    assert sorted(m["value"] for m in added.data["members"]) == sorted([anna, marco])
    assert Account.objects.get(pk=anna).permission_group == tellers
    user = scim.get(f"Users/{anna}").data
    assert user["groups"] == [{"value": str(tellers.pk), "display": "Branch tellers"}]

    removed = scim.patch(
        f"Groups/{tellers.pk}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "Remove", "path": f'members[value eq "{anna}"]'}],
        },
    )
    assert removed.status_code == 200, removed.data
    assert [m["value"] for m in removed.data["members"]] == [marco]
    assert Account.objects.get(pk=anna).permission_group == group_a  # Back to the default.


def test_okta_replaces_a_group_with_put(scim):
    anna = _user(scim, "anna.rossi@bank.example")
    group = scim.post("Groups", {"schemas": [GROUP], "displayName": "Tellers"}).data

    replaced = scim.put(
        f"Groups/{group['id']}",
        {"schemas": [GROUP], "displayName": "Senior tellers", "members": [{"value": anna}]},
    )

    assert replaced.status_code == 200, replaced.data
    assert replaced.data["displayName"] == "Senior tellers"
    assert Account.objects.get(pk=anna).permission_group.name == "Senior tellers"


def test_deleting_a_group_moves_its_members_to_the_default_group(scim, group_a):
    anna = _user(scim, "anna.rossi@bank.example")
    group = scim.post(
        "Groups", {"schemas": [GROUP], "displayName": "Tellers", "members": [{"value": anna}]}
    ).data

    assert scim.delete(f"Groups/{group['id']}").status_code == 204

    assert not PermissionGroup.objects.filter(pk=group["id"]).exists()
    assert Account.objects.get(pk=anna).permission_group == group_a


def test_the_default_group_cannot_be_deleted(scim, group_a):
    refused = scim.delete(f"Groups/{group_a.pk}")

    assert refused.status_code == 409 and refused.data["scimType"] == "mutability"
    assert PermissionGroup.objects.filter(pk=group_a.pk).exists()


def test_a_member_of_another_organization_is_refused(scim, charlie, org_b):
    from portal.accounts.services import account_add

    other = account_add(actor=charlie, organization=org_b, data={"email": "b.user@bank.example"})

    refused = scim.post(
        "Groups",
        {"schemas": [GROUP], "displayName": "Tellers", "members": [{"value": str(other.pk)}]},
    )

    assert refused.status_code == 400 and refused.data["scimType"] == "invalidValue"
    assert not PermissionGroup.objects.filter(name="Tellers").exists()
