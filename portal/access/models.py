from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Privilege(models.TextChoices):
    # Labels in the admin's language on the portal's pages (the API lists the codes).
    ACCOUNTS = "accounts", _("Accounts")
    ACCOUNTS_BULK = "accounts_bulk", _("Accounts Bulk Operations")
    NUMBERS = "numbers", _("Numbers")
    ORGANIZATIONS = "organizations", _("Organizations")
    PERMISSIONS = "permissions", _("Permissions")
    REPORTS = "reports", _("Reports")
    ADMINISTRATORS = "administrators", _("Administrators")
    SETUP = "setup", _("Setup")
    API_USERS = "api_users", _("API Users")


class Role(models.Model):
    """A named set of privileges. It belongs to an organization (visible to and usable in that
    organization's subtree, edited by its admins) or, with no organization, to the operator: a
    template every organization sees and assigns but only the operator creates or changes."""

    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="roles",
    )
    name = models.CharField(max_length=80)
    privileges = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="role_name_per_organization"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(organization__isnull=True),
                name="role_template_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def privilege_labels(self) -> list[str]:
        return [str(Privilege(p).label) for p in self.privileges if p in Privilege.values]


class AdminProfile(models.Model):
    """A portal admin: a role and a scope of organizations (each with its sub-organizations)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="admin"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="admins")
    organizations = models.ManyToManyField("organizations.Organization", related_name="admins")
    api_only = models.BooleanField(
        default=False,
        help_text="A service admin: no password, no portal sign-in; only API tokens, "
        "which an admin with API Users and every privilege of its role may issue.",
    )
    # Preferences, each admin's own (Preferences page; portal.access.middleware).
    language = models.CharField(
        max_length=2,
        blank=True,
        choices=[(code, name) for code, name in settings.LANGUAGES],
        help_text="The portal's language for this admin; empty: the browser's.",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text="IANA name, e.g. Europe/Rome; empty: the portal's (settings.TIME_ZONE).",
    )

    def __str__(self) -> str:
        return self.user.get_username()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token an admin issued for itself; only its SHA-256 is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def expired(self) -> bool:
        from django.utils import timezone

        return self.expires_at <= timezone.now()
