from __future__ import annotations

from django.db import models

from portal.access.scoping import ScopedQuerySet
from portal.organizations.models import Language


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class InvitationState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    REVOKED = "revoked", "Revoked"
    USED = "used", "Used"


class InvitationQuerySet(ScopedQuerySet):
    organization_field = "account__organization_id"


class Invitation(models.Model):
    """One invitation of an account. Only the SHA-256 of the link's token is stored."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="invitations")
    channel = models.CharField(max_length=5, choices=Channel)
    recipient = models.CharField(max_length=254)
    token_hash = models.CharField(max_length=64, unique=True)
    code = models.CharField(max_length=12)
    state = models.CharField(max_length=10, choices=InvitationState, default=InvitationState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["account", "-id"], name="invitation_account")]
        constraints = [
            # At most one live invitation per account: resend revokes the old one first.
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(state__in=["queued", "sending", "sent"]),
                name="invitation_one_live_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} to {self.recipient}"


class InvitationTemplate(models.Model):
    """An organization's own wording of the invitation for one language and channel."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="invitation_templates"
    )
    language = models.CharField(max_length=2, choices=Language)
    channel = models.CharField(max_length=5, choices=Channel, default=Channel.EMAIL)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "language", "channel"], name="invitation_template_unique"
            )
        ]
