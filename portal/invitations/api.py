"""API: the public activation endpoints (for the mobile app) and Resend Invitation."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from portal.access.scoping import get_object_for, require_privilege
from portal.accounts.lifecycle_api import SelectionIn
from portal.invitations import content, services
from portal.invitations.models import Channel
from portal.invitations.throttle import activation_attempt
from portal.jobs.api import IdempotencyKey, idempotent
from portal.lib.errors import ErrorOut
from portal.organizations.models import Organization

router = Router(tags=["activation"])
GONE = {410: ErrorOut}  # the invitation is expired, used, replaced or unknown
resend_router = Router(tags=["invitations"])


class ActivationOut(Schema):
    organization: str
    first_name: str
    last_name: str
    number: str | None = None
    choices: list[str] = []
    expires_at: datetime


class ActivateIn(Schema):
    number: str | None = None


class ActivatedOut(Schema):
    id: int
    status: str
    number: str
    organization: str


class CodeIn(Schema):
    contact: str
    code: str


class CodeActivateIn(CodeIn):
    number: str | None = None


def _shown(invitation) -> dict:
    services.check_usable(invitation)
    account = invitation.account
    return {
        "organization": account.organization.name,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "number": account.number.e164 if account.number_id else None,
        "choices": []
        if account.number_id
        else [n.e164 for n in services.activation_choices(invitation)],
        "expires_at": invitation.expires_at,
    }


def _activated(account) -> dict:
    return {
        "id": account.pk,
        "status": account.status,
        "number": account.number.e164,
        "organization": account.organization.name,
    }


# Declared before "/{token}" so that "by-code" is not taken for a token.
@router.post(
    "/by-code",
    auth=None,
    response={200: ActivationOut, **GONE},
    summary=(
        "The invitation behind an activation code typed in the app (with the email or device #)"
    ),
)
def activation_by_code(request, payload: CodeIn):
    activation_attempt(request, contact=payload.contact)
    return _shown(services.invitation_for_code(contact=payload.contact, code=payload.code))


@router.post(
    "/by-code/activate",
    auth=None,
    response={200: ActivatedOut, **GONE},
    summary="Activate with the activation code (and the number picked, when none is assigned)",
)
def activation_by_code_activate(request, payload: CodeActivateIn):
    activation_attempt(request, contact=payload.contact)
    invitation = services.invitation_for_code(contact=payload.contact, code=payload.code)
    return _activated(services.account_activate(invitation=invitation, number=payload.number))


class RenewedOut(Schema):
    renewed: bool = True
    expires_at: datetime


def _renewed(invitation) -> tuple[int, dict]:
    """202: a new invitation is on its way to the contact the expired one went to."""
    return 202, {
        "renewed": True,
        "expires_at": services.invitation_renew(invitation=invitation).expires_at,
    }


RENEW = {202: RenewedOut, 409: ErrorOut, 429: ErrorOut, **GONE}


@router.post(
    "/by-code/renew",
    auth=None,
    response=RENEW,
    summary="Ask for a new invitation in place of an expired one (proved by its code)",
)
def activation_by_code_renew(request, payload: CodeIn):
    activation_attempt(request, contact=payload.contact)
    return _renewed(services.invitation_for_code(contact=payload.contact, code=payload.code))


@router.get(
    "/{token}",
    auth=None,
    response={200: ActivationOut, **GONE},
    summary="The invitation behind a link: its number, or the short list to pick from",
)
def activation_show(request, token: str):
    activation_attempt(request, token=token)
    return _shown(services.invitation_for_token(token))


@router.post(
    "/{token}",
    auth=None,
    response={200: ActivatedOut, **GONE},
    summary="Activate: the number (when none is assigned) becomes the user's",
)
def activation_activate(request, token: str, payload: ActivateIn | None = None):
    activation_attempt(request, token=token)
    invitation = services.invitation_for_token(token)
    account = services.account_activate(
        invitation=invitation, number=payload.number if payload else None
    )
    return _activated(account)


@router.post(
    "/{token}/renew",
    auth=None,
    response=RENEW,
    summary="Ask for a new invitation in place of an expired one (proved by its link), sent to "
    "the same email or device number; where the organization allows it",
)
def activation_renew(request, token: str):
    activation_attempt(request, token=token)
    return _renewed(services.invitation_for_token(token))


class ResendItem(Schema):
    id: int
    account: str
    contact: str
    result: str
    reason: str
    invitation: int | None = None


class ResendOut(Schema):
    done: int
    skipped: int
    results: list[ResendItem]


@resend_router.post(
    "/resend-invitation",
    response=ResendOut,
    summary="Resend Invitation to ids, or with all_matching to every account matching a filter",
)
def resend_invitation(request, payload: SelectionIn, idempotency_key: IdempotencyKey = None):
    require_privilege(request.user, "accounts")
    if payload.by_filter or len(payload.ids or ()) > 1:
        require_privilege(request.user, "accounts_bulk")  # One account needs only Accounts.

    def run():
        results = services.invitations_resend(
            actor=request.user, accounts=payload.accounts(request.user), by_filter=payload.by_filter
        )
        done = sum(1 for r in results if r.result == "done")
        return 200, {
            "done": done,
            "skipped": len(results) - done,
            "results": [r.as_dict() for r in results],
        }

    return idempotent(
        request, key=idempotency_key, payload=payload, responses={200: ResendOut}, run=run
    )


# ---------------------------------------------------------------- invitation templates (Setup)

templates_router = Router(tags=["invitation templates"])


class WordingIn(Schema):
    subject: str = ""
    body: str


class WordingOut(Schema):
    organization: str
    language: str
    channel: str
    subject: str
    body: str
    custom: bool


class PreviewOut(Schema):
    subject: str
    text: str
    html: str | None = None


def _template_target(request, slug: str):
    require_privilege(request.user, "setup")
    return get_object_for(request.user, Organization.objects, slug=slug)


def _wording_out(organization, language: str, channel: str) -> dict:
    services._check_choice(language, channel)
    wording = content.wording_for(organization, language, channel)
    return {
        "organization": organization.slug,
        "language": language,
        "channel": channel,
        "subject": wording.subject,
        "body": wording.body,
        "custom": wording.custom,
    }


@templates_router.get(
    "/{slug}", response=list[WordingOut], summary="Every wording of an organization"
)
def templates_list(request, slug: str):
    organization = _template_target(request, slug)
    return [
        _wording_out(organization, language, channel)
        for channel in Channel.values
        for language in content.LANGUAGES
    ]


@templates_router.get(
    "/{slug}/{language}/{channel}", response=WordingOut, summary="One wording (custom or default)"
)
def template_show(request, slug: str, language: str, channel: str):
    return _wording_out(_template_target(request, slug), language, channel)


@templates_router.put(
    "/{slug}/{language}/{channel}",
    response=WordingOut,
    summary="Save the organization's own wording (refused without the link or the code)",
)
def template_save(request, slug: str, language: str, channel: str, payload: WordingIn):
    organization = _template_target(request, slug)
    services.template_save(
        actor=request.user,
        organization=organization,
        language=language,
        channel=channel,
        subject=payload.subject,
        body=payload.body,
    )
    return _wording_out(organization, language, channel)


@templates_router.delete(
    "/{slug}/{language}/{channel}",
    response=WordingOut,
    summary="Back to the shipped default wording",
)
def template_reset(request, slug: str, language: str, channel: str):
    organization = _template_target(request, slug)
    services.template_reset(
        actor=request.user, organization=organization, language=language, channel=channel
    )
    return _wording_out(organization, language, channel)


@templates_router.post(
    "/{slug}/{language}/{channel}/preview",
    response=PreviewOut,
    summary="Render a wording with the sample account (nothing is saved)",
)
def template_preview(request, slug: str, language: str, channel: str, payload: WordingIn):
    organization = _template_target(request, slug)
    services._check_choice(language, channel)
    content.check_wording(
        channel=channel,
        subject=payload.subject if channel == Channel.EMAIL else "",
        body=payload.body,
    )
    values = services.sample_values(organization, language)
    wording = content.Wording(subject=payload.subject, body=payload.body)
    if channel == Channel.SMS:
        return {"subject": "", "text": content.render_sms(wording, values), "html": None}
    rendered = content.render_email(wording, values, for_browser=True)
    return {"subject": rendered.subject, "text": rendered.text, "html": rendered.html}


@templates_router.post(
    "/{slug}/{language}/{channel}/test", summary="Send a test to the caller's email"
)
def template_test(request, slug: str, language: str, channel: str, payload: WordingIn):
    organization = _template_target(request, slug)
    to = services.template_send_test(
        actor=request.user,
        organization=organization,
        language=language,
        channel=channel,
        subject=payload.subject,
        body=payload.body,
    )
    return {"queued_to": to}
