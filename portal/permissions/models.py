from __future__ import annotations

from django.db import models

from portal.access.scoping import ScopedQuerySet


class PermissionGroup(models.Model):
    """User Permissions: a class of service of one organization, e.g. "default cos for org 2000"."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="permission_groups"
    )
    name = models.CharField(max_length=120)
    is_default = models.BooleanField(default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="permission_group_unique_name"
            ),
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_default=True),
                name="permission_group_one_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name
