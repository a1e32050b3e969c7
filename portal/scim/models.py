"""What SCIM adds to accounts and permission groups: the identity provider's own identifiers and
the attribute values it sent that the portal keeps only for it, and the tokens it connects with."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ScimToken(models.Model):
    """A bearer token for one organization's SCIM endpoint; only its SHA-256 is kept."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="scim_tokens"
    )
    name = models.CharField(max_length=80, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    invite = models.BooleanField(
        default=True, help_text="Invite users created through SCIM at once (Save & Invite)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scim_tokens"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name or f"{self.prefix}…"


class ScimUser(models.Model):
    """An account as its identity provider knows it: userName, externalId, and the multi-valued
    attributes as sent (types, primary flags), around the values the account itself holds."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, related_name="scim", primary_key=True
    )
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    user_name = models.CharField(max_length=254)
    external_id = models.CharField(max_length=254, blank=True)
    preferred_language = models.CharField(max_length=35, blank=True)
    emails = models.JSONField(default=list, blank=True)
    phone_numbers = models.JSONField(default=list, blank=True)
    # Attributes the identity provider removed (unassigned): not shown while at their default.
    unassigned = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "external_id"], name="scim_user_external_id"),
            models.Index(fields=["organization", "user_name"], name="scim_user_user_name"),
        ]


class ScimGroup(models.Model):
    """A permission group's externalId, as its identity provider knows it."""

    group = models.OneToOneField(
        "permissions.PermissionGroup",
        on_delete=models.CASCADE,
        related_name="scim",
        primary_key=True,
    )
    external_id = models.CharField(max_length=254, blank=True)
