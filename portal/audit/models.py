from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.access.scoping import ScopedQuerySet


class AuditEvent(models.Model):
    """Who did what, when, to which object of which organization, from which address. Written
    explicitly by services (portal.audit.services.record), never by model signals."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    via = models.CharField(max_length=10, default="portal")
    action = models.CharField(max_length=60, db_index=True)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    target_label = models.CharField(max_length=255, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # `audit_org` (organization, -id) begins with it
    )
    batch_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["organization", "-id"], name="audit_org")]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.target_label}"
