from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.access.scoping import visible_organization_ids


class Feature(models.TextChoices):
    VOICE_CALLING = "voice_calling", _("Voice calling")
    SMS = "sms", _("SMS")
    SOCIAL_MESSAGING = "social_messaging", _("Social messaging (WhatsApp, WeChat, LINE)")
    CALL_RECORDING = "call_recording", _("Call recording")
    SMS_RECORDING = "sms_recording", _("SMS recording")
    SMTP_DATA_OFFLOAD = "smtp_data_offload", _("SMTP data offload")


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    ITALIAN = "it", "Italian"
    GERMAN = "de", "German"
    FRENCH = "fr", "French"
    SPANISH = "es", "Spanish"


class OrganizationQuerySet(models.QuerySet):
    def subtree_of(self, organizations) -> OrganizationQuerySet:
        """The given organizations and all their sub-organizations (by materialised path)."""
        query = models.Q()
        paths = [org.path for org in organizations]
        if not paths:
            return self.none()
        for path in paths:
            query |= models.Q(path__startswith=path)
        return self.filter(query)

    def common_ancestor(self, organizations) -> Organization | None:
        """The deepest organization whose subtree holds all of `organizations` (the one itself when
        there is one), or None when they have no common root."""
        organizations = [org for org in organizations if org.path]
        if len(organizations) <= 1:
            return organizations[0] if organizations else None
        shared = organizations[0].path.strip("/").split("/")
        for org in organizations[1:]:
            path = org.path.strip("/").split("/")
            n = 0
            while n < min(len(shared), len(path)) and shared[n] == path[n]:
                n += 1
            shared = shared[:n]
        return self.filter(pk=int(shared[-1])).first() if shared else None

    def visible_to(self, user) -> OrganizationQuerySet:
        ids = visible_organization_ids(user)
        return self if ids is None else self.filter(pk__in=ids)


class Organization(models.Model):
    """A tenant. `path` holds the ids from the root down
    ("/1/4/"), so a subtree is one prefix query."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    features = models.JSONField(default=list, blank=True)
    # Settings.
    invitation_validity_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    activation_choices = models.PositiveSmallIntegerField(
        "numbers offered at activation",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    default_language = models.CharField(max_length=2, choices=Language, default=Language.ENGLISH)
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text="IANA name, e.g. Europe/Rome: the zone of its invitations' expiry; "
        "empty: the portal's (settings.TIME_ZONE).",
    )
    sender_name = models.CharField(
        max_length=80,
        blank=True,
        help_text="The invitations' sender name; empty: the organization's name.",
    )
    sender_email = models.EmailField(
        blank=True,
        help_text="The invitations' sender address, on a domain the operator allows; "
        "empty: the portal's address.",
    )
    reply_to = models.EmailField(
        blank=True, help_text="Where replies to an invitation go, e.g. the IT service desk."
    )
    self_service_renewal = models.BooleanField(
        "end users may ask for a new invitation",
        default=True,
        help_text="On an expired invitation's page; it goes to the same email or device number.",
    )
    allowed_email_domains = models.TextField(
        blank=True, help_text="One domain per line; empty means any domain may be invited."
    )
    require_second_factor = models.BooleanField(
        default=False,
        help_text="Its admins (and those of its sub-organizations) must sign in "
        "with a second factor: an authenticator app or an email code.",
    )
    report_recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="report_organizations",
        help_text="Admins who receive batch summaries and alerts.",
    )
    # Alerts.
    alert_account_moved = models.BooleanField(default=True)
    alert_invitation_threshold = models.BooleanField(default=True)
    alert_number_utilisation = models.BooleanField(default=False)
    number_utilisation_percent = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    alert_batch_finished = models.BooleanField(default=True)
    alert_extra_recipients = models.TextField(blank=True, help_text="Extra emails, one per line.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def has_feature(self, feature: str) -> bool:
        return feature in self.features

    @property
    def email_domains(self) -> list[str]:
        return [
            d.strip().lower().lstrip("@") for d in self.allowed_email_domains.split() if d.strip()
        ]

    @property
    def extra_alert_emails(self) -> list[str]:
        return [
            e.strip() for e in self.alert_extra_recipients.replace(",", " ").split() if e.strip()
        ]

    def ancestors_and_self(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]
