"""What the apps below tell the permissions (`portal.lib.events`), connected in
`PermissionsConfig.ready`. Received inside the sender's transaction."""

from __future__ import annotations

from portal.lib import events
from portal.permissions.services import permission_group_create


def organization_created(sender, *, actor, organization, **kwargs) -> None:
    """Every organization starts with a default permission group."""
    permission_group_create(
        actor=actor,
        organization=organization,
        name=f"default cos for {organization.slug}",
        default=True,
    )


def connect() -> None:
    events.organization_created.connect(organization_created, dispatch_uid="permissions")
