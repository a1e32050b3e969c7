"""Permission groups API (/api/v1/permission-groups): create, list, rename, set the default.

The Permissions privilege is required; groups and
organizations outside the caller's scope are not found.
"""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, require_privilege
from portal.organizations.models import Organization
from portal.permissions import services
from portal.permissions.models import PermissionGroup

router = Router(tags=["permission groups"])


class GroupOut(Schema):
    id: int
    organization: str
    name: str
    default: bool


class GroupIn(Schema):
    organization: str = Field(description="Slug of an organization in your scope")
    name: str
    default: bool = False


class GroupChange(Schema):
    name: str | None = None
    default: bool | None = Field(None, description="true makes it the organization's default")


class ListQuery(Schema):
    organization: str | None = None


def group_out(group: PermissionGroup) -> dict:
    return {
        "id": group.pk,
        "organization": group.organization.slug,
        "name": group.name,
        "default": group.is_default,
    }


@router.post("", response={201: GroupOut}, summary="Create a permission group")
def create_group(request, payload: GroupIn):
    require_privilege(request.user, Privilege.PERMISSIONS)
    organization = get_object_for(request.user, Organization.objects, slug=payload.organization)
    group = services.permission_group_create(
        actor=request.user, organization=organization, name=payload.name, default=payload.default
    )
    return 201, group_out(group)


@router.get(
    "", response=list[GroupOut], summary="Permission groups of the organizations in your scope"
)
def list_groups(request, filters: Query[ListQuery]):
    require_privilege(request.user, Privilege.PERMISSIONS)
    groups = PermissionGroup.objects.visible_to(request.user).select_related("organization")
    if filters.organization:
        groups = groups.filter(
            organization=get_object_for(
                request.user, Organization.objects, slug=filters.organization
            )
        )
    return [group_out(g) for g in groups]


@router.patch(
    "/{int:group_id}", response=GroupOut, summary="Rename a group, or make it the default"
)
def change_group(request, group_id: int, payload: GroupChange):
    require_privilege(request.user, Privilege.PERMISSIONS)
    group = get_object_for(
        request.user, PermissionGroup.objects.select_related("organization"), pk=group_id
    )
    if payload.name is not None:
        group = services.permission_group_rename(actor=request.user, group=group, name=payload.name)
    if payload.default:
        group = services.permission_group_set_default(actor=request.user, group=group)
    return group_out(group)
