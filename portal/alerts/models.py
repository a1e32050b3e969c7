from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.access.scoping import ScopedQuerySet


class AlertKind(models.TextChoices):
    ACCOUNT_MOVED = "account_moved", _("Account moved")
    INVITATION_THRESHOLD = "invitation_threshold", _("Threshold exceeded for invitations")
    NUMBER_UTILISATION = "number_utilisation", _("Number utilisation")
    BATCH_FINISHED = "batch_finished", _("Batch finished")


class AlertSent(models.Model):
    """One alert that went out. The unique `key` names the event: an event is alerted at most once.

    For a condition that lasts (threshold, utilisation) the key carries the episode number; the
    episode is closed (`resolved_at`) when the condition clears, so the next one alerts again.
    """

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=AlertKind)
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="alerts_sent"
    )
    recipients = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organization", "kind", "-id"], name="alert_org_kind")]

    def __str__(self) -> str:
        return self.key
