from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.audit import services as audit
from portal.lib.dberrors import violated
from portal.lib.errors import DomainError
from portal.permissions.models import PermissionGroup

NAME_TAKEN = "permission_group_unique_name"  # PermissionGroup.Meta.constraints


def _name_taken(organization, name) -> DomainError:
    return DomainError(
        _("%(organization)s already has a permission group named “%(name)s”.")
        % {"organization": organization, "name": name},
        fields={"name": ["taken"]},
    )


@transaction.atomic
def permission_group_create(
    *, actor, organization, name: str, default: bool = False
) -> PermissionGroup:
    name = name.strip()
    if not name:
        raise DomainError(_("A permission group needs a name."), fields={"name": ["required"]})
    if default:
        PermissionGroup.objects.filter(organization=organization, is_default=True).update(
            is_default=False
        )
    elif not PermissionGroup.objects.filter(organization=organization).exists():
        default = True  # An organization's first group is its default.
    try:
        with transaction.atomic():
            group = PermissionGroup.objects.create(
                organization=organization, name=name, is_default=default
            )
    except IntegrityError as error:
        if violated(error, PermissionGroup) != NAME_TAKEN:
            raise
        raise _name_taken(organization, name) from None
    audit.record(
        actor=actor, action="permission_group.create", target=group, data={"default": default}
    )
    return group


@transaction.atomic
def permission_group_rename(*, actor, group: PermissionGroup, name: str) -> PermissionGroup:
    name = name.strip()
    if not name:
        raise DomainError(_("A permission group needs a name."), fields={"name": ["required"]})
    old = group.name
    group.name = name
    try:
        with transaction.atomic():
            group.save(update_fields=["name"])
    except IntegrityError as error:
        if violated(error, PermissionGroup) != NAME_TAKEN:
            raise
        raise _name_taken(group.organization, name) from None
    audit.record(
        actor=actor, action="permission_group.rename", target=group, data={"from": old, "to": name}
    )
    return group


@transaction.atomic
def permission_group_set_default(*, actor, group: PermissionGroup) -> PermissionGroup:
    PermissionGroup.objects.filter(organization_id=group.organization_id, is_default=True).exclude(
        pk=group.pk
    ).update(is_default=False)
    PermissionGroup.objects.filter(pk=group.pk).update(is_default=True)
    group.is_default = True
    audit.record(actor=actor, action="permission_group.set_default", target=group)
    return group


def default_group(organization) -> PermissionGroup | None:
    return PermissionGroup.objects.filter(organization=organization, is_default=True).first()


@transaction.atomic
def permission_group_delete(*, actor, group: PermissionGroup) -> None:
    """Delete a group no account uses; an organization's default group stays."""
    if group.is_default:
        raise DomainError(
            _(
                "“%(group)s” is %(organization)s's default permission group: "
                "make another group the default first."
            )
            % {"group": group, "organization": group.organization},
            fields={"group": ["default"]},
        )
    if group.accounts.exists():
        raise DomainError(
            _("“%(group)s” still has accounts: move them to another group first.")
            % {"group": group},
            fields={"group": ["in use"]},
        )
    audit.record(
        actor=actor, action="permission_group.delete", target=group, data={"name": group.name}
    )
    group.delete()
