from __future__ import annotations

import re

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from portal.access import disclosure
from portal.access.scoping import forget_scope, is_operator, require_scope
from portal.audit import services as audit
from portal.lib import events
from portal.lib.dates import is_zone
from portal.lib.dberrors import unique_field, violated
from portal.lib.errors import DomainError, Forbidden
from portal.organizations.models import Feature, Organization

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

SETTINGS_FIELDS = (
    "require_second_factor",
    "invitation_validity_days",
    "activation_choices",
    "default_language",
    "time_zone",
    "self_service_renewal",
    "sender_name",
    "sender_email",
    "reply_to",
    "allowed_email_domains",
    "alert_account_moved",
    "alert_invitation_threshold",
    "alert_number_utilisation",
    "number_utilisation_percent",
    "alert_batch_finished",
    "alert_extra_recipients",
)


def _clean_features(features) -> list[str]:
    unknown = [f for f in features if f not in Feature.values]
    if unknown:
        raise DomainError(
            f"Unknown feature(s): {', '.join(unknown)}. Known: {', '.join(Feature.values)}.",
            fields={"features": [f"unknown: {f}" for f in unknown]},
        )
    return [f for f in Feature.values if f in features]


def _full_clean(org: Organization, exclude) -> None:
    try:
        org.full_clean(exclude=exclude)
    except ValidationError as error:
        fields = {k: list(v) for k, v in error.message_dict.items()}
        first = next(iter(fields.items()))
        label = first[0].replace("_", " ")
        raise DomainError(f"{label.capitalize()}: {first[1][0]}", fields=fields) from None
    if org.sender_email:
        domain = org.sender_email.rsplit("@", 1)[-1].lower()
        allowed = {
            *django_settings.SENDER_DOMAINS,
            django_settings.PORTAL_FROM_EMAIL.rsplit("@", 1)[-1].lower(),
        }
        if domain not in allowed:
            raise DomainError(
                _("Invitations can only be sent from a domain the operator allows: %(domains)s.")
                % {"domains": ", ".join(sorted(allowed))},
                fields={"sender_email": [f"domain not allowed: {domain}"]},
            )
    if org.time_zone and not is_zone(org.time_zone):
        raise DomainError(
            f"“{org.time_zone}” is not a time zone: use an IANA name such as Europe/Rome.",
            fields={"time_zone": ["unknown time zone"]},
        )
    bad_domains = [d for d in org.email_domains if not DOMAIN.match(d)]
    if bad_domains:
        raise DomainError(
            _("“%(domain)s” is not an email domain (e.g. example.com).")
            % {"domain": bad_domains[0]},
            fields={"allowed_email_domains": [f"not a domain: {d}" for d in bad_domains]},
        )
    bad_emails = []
    for email in org.extra_alert_emails:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            bad_emails.append(email)
    if bad_emails:
        raise DomainError(
            _("“%(email)s” is not an email address.") % {"email": bad_emails[0]},
            fields={"alert_extra_recipients": [f"not an email: {e}" for e in bad_emails]},
        )


def organization_admins(organization: Organization):
    """Active admins whose scope holds `organization`
    (directly or through a parent organization)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, admin__organizations__in=organization.ancestors_and_self())
        .distinct()
        .order_by("username")
    )


def _slug_taken(actor, slug: str, holder: int | None) -> DomainError:
    """A slug is unique in the whole portal: another tenant's is only "not available"."""
    if disclosure.sees(disclosure.scope_of(actor), holder):
        return DomainError(
            _("An organization with the slug “%(slug)s” exists already.") % {"slug": slug},
            fields={"slug": ["taken"]},
        )
    return DomainError(
        _("This slug is not available."), fields={"slug": [disclosure.NOT_AVAILABLE]}
    )


@transaction.atomic
def organization_create(
    *, actor, name: str, slug: str, parent: Organization | None = None, features=(), **settings
) -> Organization:
    """A new organization (a sub-organization under `parent`), with a default permission group.

    Top-level organizations are the operator's to create; an admin creates sub-organizations of the
    organizations in its scope."""
    if actor is not None:
        if parent is None and not is_operator(actor):
            raise Forbidden(
                _("Only the operator creates top-level organizations; choose a parent.")
            )
        if parent is not None:
            require_scope(actor, parent)
    slug = (slug or "").strip().lower()
    holder = Organization.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if holder is not None:
        raise _slug_taken(actor, slug, holder)
    org = Organization(
        name=(name or "").strip(), slug=slug, parent=parent, features=_clean_features(features)
    )
    for key, value in settings.items():
        if key not in SETTINGS_FIELDS:
            raise DomainError(f"Unknown setting {key}.", fields={key: ["unknown setting"]})
        setattr(org, key, value)
    _full_clean(org, exclude=["path"])
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError as error:
        if violated(error, Organization) != unique_field(Organization, "slug"):
            raise
        holder = Organization.objects.filter(slug=slug).values_list("pk", flat=True).first()
        raise _slug_taken(actor, slug, holder) from None
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    forget_scope(actor)  # A new sub-organization widens the scope of its parent's admins.
    audit.record(
        actor=actor,
        action="organization.create",
        target=org,
        organization=org,
        data={"features": org.features, "parent": parent.slug if parent else None},
    )
    # permissions makes its default permission group, here in this transaction.
    events.organization_created.send(sender=Organization, actor=actor, organization=org)
    return org


@transaction.atomic
def organization_update(
    *,
    actor,
    organization: Organization,
    name: str | None = None,
    features=None,
    report_recipients=None,
    **settings,
) -> Organization:
    """Change features (operator only) and settings; report recipients must be admins of it."""
    if actor is not None:
        require_scope(actor, organization)
    changes: dict = {}
    if name is not None and name != organization.name:
        changes["name"] = [organization.name, name]
        organization.name = name.strip()
    if features is not None:
        features = _clean_features(features)
        if features != organization.features:
            if actor is not None and not is_operator(actor):
                raise Forbidden(_("Only the operator changes an organization's features."))
            changes["features"] = [organization.features, features]
            organization.features = features
    for key, value in settings.items():
        if key not in SETTINGS_FIELDS:
            raise DomainError(f"Unknown setting {key}.", fields={key: ["unknown setting"]})
        if getattr(organization, key) != value:
            changes[key] = [getattr(organization, key), value]
            setattr(organization, key, value)
    _full_clean(organization, exclude=["path", "parent", "slug"])
    organization.save()
    if report_recipients is not None:
        report_recipients = list(report_recipients)
        allowed = set(organization_admins(organization).values_list("pk", flat=True))
        strangers = [u.get_username() for u in report_recipients if u.pk not in allowed]
        if strangers:
            raise DomainError(
                _("Report recipients must be admins of %(organization)s: %(names)s is not.")
                % {"organization": organization, "names": ", ".join(strangers)},
                fields={"report_recipients": [f"not an admin of it: {u}" for u in strangers]},
            )
        before = set(organization.report_recipients.values_list("pk", flat=True))
        if before != {u.pk for u in report_recipients}:
            organization.report_recipients.set(report_recipients)
            changes["report_recipients"] = [u.get_username() for u in report_recipients]
    audit.record(
        actor=actor,
        action="organization.update",
        target=organization,
        organization=organization,
        data=changes,
    )
    return organization
