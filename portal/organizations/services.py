from __future__ import annotations

from django.db import IntegrityError, transaction

from portal.audit import services as audit
from portal.lib.errors import DomainError
from portal.organizations.models import Feature, Organization

SETTINGS_FIELDS = (
    "invitation_validity_days",
    "activation_choices",
    "default_language",
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


@transaction.atomic
def organization_create(
    *, actor, name: str, slug: str, parent: Organization | None = None, features=(), **settings
) -> Organization:
    if Organization.objects.filter(slug=slug).exists():
        raise DomainError(f"An organization with the slug “{slug}” exists already.", fields={"slug": ["taken"]})
    org = Organization(name=name.strip(), slug=slug, parent=parent, features=_clean_features(features))
    for key, value in settings.items():
        if key not in SETTINGS_FIELDS:
            raise DomainError(f"Unknown setting {key}.", fields={key: ["unknown setting"]})
        setattr(org, key, value)
    org.full_clean(exclude=["path"])
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:
        raise DomainError(f"An organization with the slug “{slug}” exists already.", fields={"slug": ["taken"]}) from None
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    org.save(update_fields=["path"])
    audit.record(actor=actor, action="organization.create", target=org, organization=org,
                 data={"features": org.features, "parent": parent.slug if parent else None})
    from portal.permissions.services import permission_group_create

    permission_group_create(actor=actor, organization=org, name=f"default cos for {org.slug}", default=True)
    return org


@transaction.atomic
def organization_update(*, actor, organization: Organization, name: str | None = None,
                        features=None, report_recipients=None, **settings) -> Organization:
    changes: dict = {}
    if name is not None and name != organization.name:
        changes["name"] = [organization.name, name]
        organization.name = name.strip()
    if features is not None:
        features = _clean_features(features)
        if features != organization.features:
            changes["features"] = [organization.features, features]
            organization.features = features
    for key, value in settings.items():
        if key not in SETTINGS_FIELDS:
            raise DomainError(f"Unknown setting {key}.", fields={key: ["unknown setting"]})
        if getattr(organization, key) != value:
            changes[key] = [getattr(organization, key), value]
            setattr(organization, key, value)
    organization.full_clean(exclude=["path", "parent", "slug"])
    organization.save()
    if report_recipients is not None:
        organization.report_recipients.set(report_recipients)
        changes["report_recipients"] = [u.get_username() for u in report_recipients]
    audit.record(actor=actor, action="organization.update", target=organization, data=changes)
    return organization
