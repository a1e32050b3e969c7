"""Organizations API (/api/v1/organizations): create, list, get, change settings.

The Organizations privilege is required; organizations outside the caller's scope are not found.
GET /{slug}/csv-template (the batch CSV template) is added by the batches app.
"""

from __future__ import annotations

from ninja import Router, Schema
from pydantic import Field

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, require_privilege
from portal.lib.errors import DomainError
from portal.organizations import services
from portal.organizations.models import Organization

router = Router(tags=["organizations"])


class SettingsOut(Schema):
    require_second_factor: bool
    invitation_validity_days: int
    activation_choices: int
    default_language: str
    time_zone: str
    self_service_renewal: bool
    sender_name: str
    sender_email: str
    reply_to: str
    allowed_email_domains: list[str]
    report_recipients: list[str]
    alert_account_moved: bool
    alert_invitation_threshold: bool
    alert_batch_finished: bool
    alert_number_utilisation: bool
    number_utilisation_percent: int
    alert_extra_recipients: list[str]


class OrganizationOut(Schema):
    name: str
    slug: str
    parent: str | None
    features: list[str]
    sub_organizations: list[str]
    settings: SettingsOut


class OrganizationIn(Schema):
    name: str
    slug: str
    parent: str | None = Field(None, description="Slug of the parent, for a sub-organization")
    features: list[str] = Field(
        default_factory=list,
        description="voice_calling, sms, social_messaging, call_recording, "
        "sms_recording, smtp_data_offload",
    )


class SettingsIn(Schema):
    name: str | None = None
    features: list[str] | None = Field(None, description="Operator only")
    require_second_factor: bool | None = Field(
        None, description="Its admins sign in with a second factor"
    )
    invitation_validity_days: int | None = None
    activation_choices: int | None = None
    default_language: str | None = Field(None, description="en, it, de, fr or es")
    time_zone: str | None = Field(
        None,
        description="IANA name (Europe/Rome) of its invitations' expiry; empty: the portal's",
    )
    sender_name: str | None = Field(
        None, description="Invitations' sender name; empty: the organization's name"
    )
    sender_email: str | None = Field(
        None, description="Invitations' sender address, on a domain the operator allows"
    )
    reply_to: str | None = Field(None, description="Reply-To of the invitations")
    self_service_renewal: bool | None = Field(
        None, description="End users may ask for a new invitation when theirs expired"
    )
    allowed_email_domains: list[str] | None = None
    report_recipients: list[str] | None = Field(
        None, description="Usernames of admins of the organization"
    )
    alert_account_moved: bool | None = None
    alert_invitation_threshold: bool | None = None
    alert_batch_finished: bool | None = None
    alert_number_utilisation: bool | None = None
    number_utilisation_percent: int | None = None
    alert_extra_recipients: list[str] | None = None


def organization_out(org: Organization) -> dict:
    return {
        "name": org.name,
        "slug": org.slug,
        "parent": org.parent.slug if org.parent_id else None,
        "features": org.features,
        "sub_organizations": [c.slug for c in org.children.all()],
        "settings": {
            "require_second_factor": org.require_second_factor,
            "invitation_validity_days": org.invitation_validity_days,
            "activation_choices": org.activation_choices,
            "default_language": org.default_language,
            "time_zone": org.time_zone,
            "self_service_renewal": org.self_service_renewal,
            "sender_name": org.sender_name,
            "sender_email": org.sender_email,
            "reply_to": org.reply_to,
            "allowed_email_domains": org.email_domains,
            "report_recipients": [u.get_username() for u in org.report_recipients.all()],
            "alert_account_moved": org.alert_account_moved,
            "alert_invitation_threshold": org.alert_invitation_threshold,
            "alert_batch_finished": org.alert_batch_finished,
            "alert_number_utilisation": org.alert_number_utilisation,
            "number_utilisation_percent": org.number_utilisation_percent,
            "alert_extra_recipients": org.extra_alert_emails,
        },
    }


def _scoped(user):
    return Organization.objects.select_related("parent").prefetch_related(
        "children", "report_recipients"
    )


@router.post(
    "", response={201: OrganizationOut}, summary="Create an organization (or a sub-organization)"
)
def create_organization(request, payload: OrganizationIn):
    require_privilege(request.user, Privilege.ORGANIZATIONS)
    parent = (
        get_object_for(request.user, Organization.objects, slug=payload.parent)
        if payload.parent
        else None
    )
    org = services.organization_create(
        actor=request.user,
        name=payload.name,
        slug=payload.slug,
        parent=parent,
        features=payload.features,
    )
    return 201, organization_out(_scoped(request.user).get(pk=org.pk))


@router.get("", response=list[OrganizationOut], summary="The organizations in your scope")
def list_organizations(request):
    require_privilege(request.user, Privilege.ORGANIZATIONS)
    return [
        organization_out(o) for o in _scoped(request.user).visible_to(request.user).order_by("path")
    ]


@router.get(
    "/{slug}", response=OrganizationOut, summary="One organization, with its features and settings"
)
def get_organization(request, slug: str):
    require_privilege(request.user, Privilege.ORGANIZATIONS)
    return organization_out(get_object_for(request.user, _scoped(request.user), slug=slug))


@router.patch(
    "/{slug}", response=OrganizationOut, summary="Change features (operator) and settings"
)
def update_organization(request, slug: str, payload: SettingsIn):
    require_privilege(request.user, Privilege.ORGANIZATIONS)
    org = get_object_for(request.user, _scoped(request.user), slug=slug)
    changes = payload.dict(exclude_unset=True)
    for key in ("allowed_email_domains", "alert_extra_recipients"):
        if key in changes:
            changes[key] = "\n".join(changes[key] or [])
    recipients = changes.pop("report_recipients", None)
    if recipients is not None:
        admins = {u.get_username(): u for u in services.organization_admins(org)}
        unknown = [name for name in recipients if name not in admins]
        if unknown:
            raise DomainError(
                f"Report recipients must be admins of {org}: {', '.join(unknown)} is not.",
                fields={"report_recipients": [f"not an admin of it: {u}" for u in unknown]},
            )
        recipients = [admins[name] for name in recipients]
    services.organization_update(
        actor=request.user, organization=org, report_recipients=recipients, **changes
    )
    return organization_out(_scoped(request.user).get(pk=org.pk))
