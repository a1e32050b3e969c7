from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from portal.access.scoping import ScopedQuerySet
from portal.accounts import search
from portal.accounts.search import SEARCH_FIELDS, SOURCE_FIELDS, reindex, set_search_fields
from portal.organizations.models import Language


class AccountStatus(models.TextChoices):
    NOT_INVITED = "not_invited", _("Not invited")
    INVITED = "invited", _("Invited")
    INVITATION_FAILED = "invitation_failed", _("Invitation failed")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


PENDING_STATUSES = (
    AccountStatus.NOT_INVITED,
    AccountStatus.INVITED,
    AccountStatus.INVITATION_FAILED,
)


class MonitorCalls(models.TextChoices):
    AUTO = "auto", _("auto (records calls)")
    OFF = "off", "off"


class MonitorSms(models.TextChoices):
    ON = "on", _("on (records SMS)")
    OFF = "off", "off"


class AccountQuerySet(ScopedQuerySet):
    def search(self, q: str, user=None):
        """Name, email, MultiLine number or device number (`portal.accounts.search`)."""
        return search.search(self, q, user)

    # Every write keeps the search columns right (portal.accounts.search).
    def bulk_create(self, objs, *args, **kwargs):
        objs = [set_search_fields(obj) for obj in objs]
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        fields = list(fields)
        if set(fields) & set(SOURCE_FIELDS):
            objs = [set_search_fields(obj) for obj in objs]
            fields += [name for name in SEARCH_FIELDS if name not in fields]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        if not set(kwargs) & set(SOURCE_FIELDS):
            return super().update(**kwargs)
        ids = list(self.values_list("pk", flat=True))
        count = super().update(**kwargs)
        reindex(ids)
        return count


class Account(models.Model):
    """A MultiLine user. `number` is one-to-one: one number per account, one account per number."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="accounts",
        db_index=False,  # `account_org_id` (organization, -id) begins with it
    )
    permission_group = models.ForeignKey(
        "permissions.PermissionGroup", on_delete=models.PROTECT, related_name="accounts"
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, null=True, blank=True)
    device_number = models.CharField("device number", max_length=16, null=True, blank=True)
    number = models.OneToOneField(
        "numbers.Number", null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )
    social_messaging = models.BooleanField(default=False)
    monitor_calls = models.CharField(max_length=4, choices=MonitorCalls, default=MonitorCalls.OFF)
    monitor_sms = models.CharField(max_length=3, choices=MonitorSms, default=MonitorSms.OFF)
    forwarding_number = models.CharField(max_length=19, blank=True)
    restrict_incoming_social_messaging = models.BooleanField(null=True, blank=True)
    language = models.CharField(max_length=2, choices=Language, blank=True)
    status = models.CharField(
        max_length=20, choices=AccountStatus, default=AccountStatus.NOT_INVITED
    )
    status_reason = models.CharField(max_length=500, blank=True)
    batch = models.ForeignKey(
        "batches.Batch", null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    # Derived for search (portal.accounts.search.search_fields); never edited directly.
    search_text = models.TextField(blank=True, default="", editable=False)
    device_reversed = models.CharField(max_length=16, blank=True, default="", editable=False)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="account_unique_email"),
            models.UniqueConstraint(fields=["device_number"], name="account_unique_device_number"),
            models.CheckConstraint(
                condition=models.Q(email__isnull=False) | models.Q(device_number__isnull=False),
                name="account_has_email_or_device",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-id"], name="account_org_status"),
            models.Index(fields=["organization", "-id"], name="account_org_id"),
            models.Index(Lower("last_name"), name="account_last_name"),
            models.Index(fields=["device_reversed"], name="account_device_reversed"),
        ]
        # The full-text index of search_text is made by migration 0002 for each backend.

    def save(self, *args, **kwargs):
        set_search_fields(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(SOURCE_FIELDS):
            kwargs["update_fields"] = {*update_fields, *SEARCH_FIELDS}
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.display_name

    @property
    def audit_label(self) -> str:
        """How the audit log names it: "Jürgen Müller (jurgen@bank.example)"."""
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name} ({self.contact})" if name and self.contact else name or self.contact

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.contact

    @property
    def contact(self) -> str:
        """Where the invitation goes: the email, else the device number."""
        return self.email or self.device_number or ""
