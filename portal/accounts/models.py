from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from portal.access.scoping import ScopedQuerySet
from portal.organizations.models import Language


class AccountStatus(models.TextChoices):
    NOT_INVITED = "not_invited", "Not invited"
    INVITED = "invited", "Invited"
    INVITATION_FAILED = "invitation_failed", "Invitation failed"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"


PENDING_STATUSES = (AccountStatus.NOT_INVITED, AccountStatus.INVITED, AccountStatus.INVITATION_FAILED)


class MonitorCalls(models.TextChoices):
    AUTO = "auto", "auto (records calls)"
    OFF = "off", "off"


class MonitorSms(models.TextChoices):
    ON = "on", "on (records SMS)"
    OFF = "off", "off"


class AccountQuerySet(ScopedQuerySet):
    def search(self, q: str):
        """Name, email, MultiLine number or device number; digits match numbers in any format."""
        q = (q or "").strip()
        if not q:
            return self
        condition = (
            models.Q(first_name__icontains=q)
            | models.Q(last_name__icontains=q)
            | models.Q(email__icontains=q)
        )
        digits = "".join(ch for ch in q if ch.isdigit())
        if len(digits) >= 3:
            condition |= models.Q(number__e164__contains=digits) | models.Q(device_number__contains=digits)
        parts = q.split()
        if len(parts) == 2:
            condition |= models.Q(first_name__iexact=parts[0], last_name__iexact=parts[1])
        return self.filter(condition)


class Account(models.Model):
    """A MultiLine user. `number` is one-to-one: one number per account, one account per number."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="accounts"
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
    status = models.CharField(max_length=20, choices=AccountStatus, default=AccountStatus.NOT_INVITED)
    status_reason = models.CharField(max_length=500, blank=True)
    batch = models.ForeignKey(
        "batches.Batch", null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    activated_at = models.DateTimeField(null=True, blank=True)

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
        ]

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
