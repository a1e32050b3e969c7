from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from portal.access.scoping import ScopedQuerySet
from portal.organizations.models import Language


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class InvitationState(models.TextChoices):
    QUEUED = "queued", gettext_lazy("Queued")
    SENDING = "sending", gettext_lazy("Sending")
    SENT = "sent", gettext_lazy("Sent")
    FAILED = "failed", gettext_lazy("Failed")
    REVOKED = "revoked", gettext_lazy("Revoked")
    USED = "used", gettext_lazy("Used")


LIVE_STATES = (InvitationState.QUEUED, InvitationState.SENDING, InvitationState.SENT)


class InvitationQuerySet(ScopedQuerySet):
    organization_field = "account__organization_id"


class Invitation(models.Model):
    """One invitation of an account. Only the SHA-256 of the link's token is stored."""

    # Looked up by the "invitation_account" index (account, -id); no index of its own.
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="invitations", db_index=False
    )
    channel = models.CharField(max_length=5, choices=Channel)
    recipient = models.CharField(max_length=254)
    # Set anew at each sending attempt (in the task): only the last message's link is live. Empty
    # (NULL) until the first attempt: no link can match a queued invitation, and the unique index
    # allows any number of NULLs (Meta.constraints).
    token_hash = models.CharField(max_length=64, null=True, blank=True)
    # HMAC of the 8-digit activation code (with the invitation's id); the code itself is not kept.
    code_hash = models.CharField(max_length=64, blank=True)
    code_failures = models.PositiveSmallIntegerField(default=0)
    # The short list offered to the user (E.164), kept from the first time it is shown: the user
    # can activate only with one of these (services.activation_choices, account_activate).
    offered_numbers = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=InvitationState, default=InvitationState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Beaten by the worker whose task holds it (queued in a running task, or sending); a stale one
    # while queued or sending = its worker or task is gone, and the sweep queues it again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Indexed only where set (Meta.indexes): most invitations are never replaced.
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["account", "-id"], name="invitation_account"),
            models.Index(
                fields=["replaced_by"],
                condition=models.Q(replaced_by__isnull=False),
                name="invitation_replaced_by",
            ),
        ]
        constraints = [
            # A constraint rather than `unique=True`, which on PostgreSQL also builds a
            # `varchar_pattern_ops` index for LIKE that no query uses (migration 0006).
            models.UniqueConstraint(
                fields=["token_hash"], name="invitations_invitation_token_hash_key"
            ),
            # At most one live invitation per account: resend revokes the old one first.
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(state__in=["queued", "sending", "sent"]),
                name="invitation_one_live_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} to {self.recipient}"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def is_expired(self) -> bool:
        return self.is_live and self.expires_at <= timezone.now()

    @property
    def status_label(self) -> str:
        """What an admin reads: the state, with "expired" for a sent link past its expiry."""
        if self.is_expired:
            return gettext("Expired")
        if self.state == InvitationState.QUEUED and self.attempts:
            return gettext("Retrying")
        return self.get_state_display()


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

    updated_by = models.CharField(max_length=150, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "language", "channel"], name="invitation_template_unique"
            )
        ]
