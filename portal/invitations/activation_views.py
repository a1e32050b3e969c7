"""The end user's pages (no login): the link of the invitation, and the activation-code form.
They speak the account's language (the browser's before the account is known)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from portal.invitations import content, services
from portal.invitations.services import Gone, NumberTaken
from portal.invitations.throttle import activation_attempt
from portal.lib.errors import DomainError
from portal.lib.throttle import Throttled


def _render(request, template: str, context: dict, status: int = 200):
    """The page in its language (`lang`, active around this call), and says so in the answer's
    Content-Language (LocaleMiddleware keeps a header already set)."""
    response = render(request, template, context, status=status)
    response["Content-Language"] = context["lang"]
    return response


def _browser_language(request) -> str:
    language = (getattr(request, "LANGUAGE_CODE", "") or "en")[:2]
    return language if language in content.LANGUAGES else "en"


def _in_language(view):
    """Run a page function with its `language` active (the account's, else the browser's): its
    messages and its template are rendered in that language."""

    def wrapped(request, *args, **kwargs):
        language = kwargs.get("language") or (args[1] if len(args) > 1 else "en")
        with translation.override(language):
            return view(request, *args, **kwargs)

    return wrapped


def _gone_title(reason: str) -> str:
    return {
        "expired": _("This invitation has expired"),
        "used": _("This invitation was already used"),
        "replaced": _("This invitation was replaced"),
    }.get(reason) or _("This invitation cannot be used")


def _gone_message(error: Gone, time_zone: str) -> str:
    if error.reason == "expired":
        if error.expires_at:
            return _("It expired on %(date)s.") % {
                "date": content.expiry_text(error.expires_at, translation.get_language(), time_zone)
            }
        return _("This invitation can no longer be used.")
    return {
        "used": _(
            "MultiLine is already active for this account. If that was not you, contact your "
            "administrator."
        ),
        "replaced": _(
            "A newer invitation was sent: use the link in the most recent email or SMS you "
            "received."
        ),
        "invalid": _("This link is not valid. Open the complete link from your invitation."),
        "locked": _("Too many wrong codes were tried for this invitation."),
    }.get(error.reason) or _("This invitation can no longer be used.")


@_in_language
def _gone(request, error: Gone, language: str, *, invitation=None, hidden=None):
    """The page of an invitation that cannot be used; an expired one offers its own renewal where
    the organization allows it (the form carries what proved the invitation: link or code)."""
    time_zone = invitation.account.organization.time_zone if invitation is not None else ""
    return _render(
        request,
        "invitations/activation/gone.html",
        {
            "public_page": True,
            "lang": language,
            "reason": error.reason,
            "title": _gone_title(error.reason),
            "message": _gone_message(error, time_zone),
            "can_renew": error.reason == "expired"
            and invitation is not None
            and services.can_renew(invitation),
            "hidden": hidden or {},
        },
        status=410,
    )


@_in_language
def _renew(request, invitation, language: str, *, hidden=None):
    """POST "renew" on an expired invitation's page: a new invitation to the same contact."""
    try:
        services.invitation_renew(invitation=invitation)
    except services.RenewalRefused as refused:
        message = (
            _(
                "A new invitation was already requested several times today. Please try again "
                "tomorrow, or ask your administrator."
            )
            if refused.reason == "limit"
            else _(
                "A new invitation cannot be requested for this account. Please ask your "
                "administrator."
            )
        )
        return _render(
            request,
            "invitations/activation/gone.html",
            {
                "public_page": True,
                "lang": language,
                "title": _("This invitation has expired"),
                "message": message,
                "hidden": hidden or {},
            },
            status=429 if refused.reason == "limit" else 409,
        )
    return _render(
        request,
        "invitations/activation/gone.html",
        {
            "public_page": True,
            "lang": language,
            "renewed": True,
            "title": _("A new invitation is on its way"),
            "message": _(
                "It was sent to the same email address or device number as the invitation that "
                "expired. Use the link or code in the new email or SMS; the old ones no longer "
                "work."
            ),
        },
    )


def _throttled(request, error: Throttled):
    """The same page for every link, known or not, in the browser's language."""
    language = _browser_language(request)
    with translation.override(language):
        response = _render(
            request,
            "invitations/activation/gone.html",
            {
                "public_page": True,
                "lang": language,
                "throttled": True,
                "title": _("Please wait a moment"),
                "message": _(
                    "There have been too many attempts. Please try again in %(seconds)s seconds."
                )
                % {"seconds": error.retry_after},
            },
            status=429,
        )
    response["Retry-After"] = str(error.retry_after)
    return response


def _page(request, invitation, *, hidden=None, error="", status=200):
    account = invitation.account
    language = content.language_of(account)
    with translation.override(language):
        return _page_in(request, invitation, account, language, hidden, error, status)


def _page_in(request, invitation, account, language, hidden, error, status):
    organization = account.organization
    return _render(
        request,
        "invitations/activation/page.html",
        {
            "public_page": True,
            "lang": language,
            "account": account,
            "organization": organization.name,
            "expires": content.expiry_text(invitation.expires_at, language, organization.time_zone),
            "number": account.number if account.number_id else None,
            "choices": [] if account.number_id else services.activation_choices(invitation),
            "hidden": hidden or {},
            "error": error,
        },
        status=status,
    )


def _activate(request, invitation, *, hidden=None):
    """POST: activate, or show the page again with the
    reason (and a fresh list when the number was taken)."""
    language = content.language_of(invitation.account)
    number = request.POST.get("number")
    with translation.override(language):
        try:
            account = services.account_activate(invitation=invitation, number=number)
        except Gone as error:
            return _gone(request, error, language)
        except NumberTaken:
            message = _(
                "%(number)s was just taken by someone else. Please pick another number."
            ) % {"number": number}
            return _page(request, invitation, hidden=hidden, error=message, status=409)
        except DomainError as error:
            message = (
                _("Please pick one of the numbers offered.")
                if "number" in error.fields
                else error.message
            )
            return _page(request, invitation, hidden=hidden, error=message, status=400)
        return _render(
            request,
            "invitations/activation/done.html",
            {
                "public_page": True,
                "lang": language,
                "number": account.number,
                "organization": account.organization.name,
            },
        )


@never_cache
@csrf_protect
def link(request, token: str):
    try:
        activation_attempt(request, token=token)
    except Throttled as error:
        return _throttled(request, error)
    invitation = None
    try:
        invitation = services.invitation_for_token(token)
        services.check_usable(invitation)
    except Gone as error:
        if error.reason == "invalid":
            return _gone(request, error, _browser_language(request))
        language = content.language_of(invitation.account)
        if request.method == "POST" and request.POST.get("renew") and error.reason == "expired":
            return _renew(request, invitation, language)
        return _gone(request, error, language, invitation=invitation)
    if request.method == "POST":
        return _activate(request, invitation)
    return _page(request, invitation)


def _code_error(reason: str) -> str:
    """The page's wording of a reason of services.invitation_for_code, "" for another one."""
    for key, message in (
        (
            "does not match",
            _(
                "This code does not match an invitation sent to that address. Check both, or use "
                "the link in the invitation."
            ),
        ),
        ("8 digits", _("The activation code has 8 digits.")),
        ("required", _("Enter the email address or device number the invitation was sent to.")),
    ):
        if reason == key:
            return message
    return ""


@never_cache
@csrf_protect
def code(request):
    """For users who cannot open the link: the email or device number and the 8-digit code."""
    language = _browser_language(request)
    try:
        activation_attempt(
            request, contact=request.POST.get("contact") if request.method == "POST" else None
        )
    except Throttled as error:
        return _throttled(request, error)
    if request.method != "POST":
        with translation.override(language):
            return _render(
                request,
                "invitations/activation/code.html",
                {"public_page": True, "lang": language},
            )
    contact, code_value = request.POST.get("contact", ""), request.POST.get("code", "")
    invitation = None
    try:
        invitation = services.invitation_for_code(contact=contact, code=code_value)
        services.check_usable(invitation)
    except Gone as error:
        hidden = {"contact": contact, "code": code_value}
        if invitation is not None and error.reason == "expired":
            language = content.language_of(invitation.account)
            if request.POST.get("renew"):
                return _renew(request, invitation, language, hidden=hidden)
        return _gone(request, error, language, invitation=invitation, hidden=hidden)
    except DomainError as error:
        reasons = [r for reasons in error.fields.values() for r in reasons]
        with translation.override(language):
            message = next((m for m in map(_code_error, reasons) if m), "") or error.message
            return _render(
                request,
                "invitations/activation/code.html",
                {"public_page": True, "lang": language, "contact": contact, "error": message},
                status=400,
            )
    hidden = {"contact": contact, "code": code_value}
    if request.POST.get("activate"):
        return _activate(request, invitation, hidden=hidden)
    return _page(request, invitation, hidden=hidden)
