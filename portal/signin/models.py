"""What the sign-in policy keeps beside Django's user: whether a password must be changed, and the
lockouts django-axes imposed (to audit their release once)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PasswordState(models.Model):
    """`must_change`: the password was set by someone else (an admin created this admin with it):
    the first sign-in asks for a new one before anything else."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_state"
    )
    must_change = models.BooleanField(default=False)
    changed_at = models.DateTimeField(null=True, blank=True)


class Lockout(models.Model):
    """A name or an address that django-axes locked; `released_at` is set when it is lifted (the
    cool-off passed, an operator ran `axes_reset`, or an admin pressed Unlock)."""

    class Kind(models.TextChoices):
        USERNAME = "username", _("Name")
        ADDRESS = "ip_address", _("Address")

    kind = models.CharField(max_length=10, choices=Kind)
    value = models.CharField(max_length=255)
    failures = models.PositiveIntegerField(default=0)
    locked_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["kind", "value"],
                condition=models.Q(released_at=None),
                name="signin_lockout_open",
            )
        ]
        ordering = ["-locked_at"]

    def __str__(self) -> str:
        return self.value

    @property
    def audit_label(self) -> str:
        return self.value
