"""The end user's pages (no login): the link of the invitation, and the activation-code form.
They speak the account's language (the browser's before the account is known)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import formats, timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from portal.invitations import content, services
from portal.invitations.public_text import GONE_MESSAGE, GONE_TITLE, text_for
from portal.invitations.services import Gone, NumberTaken
from portal.invitations.throttle import activation_attempt
from portal.lib.errors import DomainError
from portal.lib.throttle import Throttled


def _date(value, language: str) -> str:
    with translation.override(language):
        return formats.date_format(timezone.localtime(value), "DATE_FORMAT")


def _browser_language(request) -> str:
    language = (getattr(request, "LANGUAGE_CODE", "") or "en")[:2]
    return language if language in content.LANGUAGES else "en"


def _gone(request, error: Gone, language: str, *, invitation=None, hidden=None):
    """The page of an invitation that cannot be used; an expired one offers its own renewal where
    the organization allows it (the form carries what proved the invitation: link or code)."""
    t = text_for(language)
    message = t[GONE_MESSAGE.get(error.reason, "msg_other")]
    if error.reason == "expired" and error.expires_at:
        message = message.format(date=_date(error.expires_at, language))
    return render(
        request,
        "invitations/activation/gone.html",
        {
            "public_page": True,
            "t": t,
            "lang": language,
            "reason": error.reason,
            "title": t[GONE_TITLE.get(error.reason, "gone_other")],
            "message": message,
            "can_renew": error.reason == "expired"
            and invitation is not None
            and services.can_renew(invitation),
            "hidden": hidden or {},
        },
        status=410,
    )


def _renew(request, invitation, language: str, *, hidden=None):
    """POST "renew" on an expired invitation's page: a new invitation to the same contact."""
    t = text_for(language)
    try:
        services.invitation_renew(invitation=invitation)
    except services.RenewalRefused as refused:
        key = "renew_limit" if refused.reason == "limit" else "renew_unavailable"
        return render(
            request,
            "invitations/activation/gone.html",
            {
                "public_page": True,
                "t": t,
                "lang": language,
                "title": t["gone_expired"],
                "message": t[key],
                "hidden": hidden or {},
            },
            status=429 if refused.reason == "limit" else 409,
        )
    return render(
        request,
        "invitations/activation/gone.html",
        {
            "public_page": True,
            "t": t,
            "lang": language,
            "renewed": True,
            "title": t["renewed_title"],
            "message": t["renewed_message"],
        },
    )


def _throttled(request, error: Throttled):
    """The same page for every link, known or not, in the browser's language."""
    language = _browser_language(request)
    t = text_for(language)
    response = render(
        request,
        "invitations/activation/gone.html",
        {
            "public_page": True,
            "t": t,
            "lang": language,
            "throttled": True,
            "title": t["slow_title"],
            "message": t["slow_message"].format(seconds=error.retry_after),
        },
        status=429,
    )
    response["Retry-After"] = str(error.retry_after)
    return response


def _page(request, invitation, *, hidden=None, error="", status=200):
    account = invitation.account
    language = content.language_of(account)
    t = text_for(language)
    return render(
        request,
        "invitations/activation/page.html",
        {
            "public_page": True,
            "t": t,
            "lang": language,
            "account": account,
            "welcome": t["welcome"].format(first_name=account.first_name)
            if account.first_name
            else "",
            "invited": t["invited"].format(organization=account.organization.name),
            "expires": t["expires"].format(date=_date(invitation.expires_at, language)),
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
    t = text_for(language)
    number = request.POST.get("number")
    try:
        account = services.account_activate(invitation=invitation, number=number)
    except Gone as error:
        return _gone(request, error, language)
    except NumberTaken:
        return _page(
            request, invitation, hidden=hidden, error=t["taken"].format(number=number), status=409
        )
    except DomainError as error:
        message = t["pick_one"] if "number" in error.fields else error.message
        return _page(request, invitation, hidden=hidden, error=message, status=400)
    return render(
        request,
        "invitations/activation/done.html",
        {
            "public_page": True,
            "t": t,
            "lang": language,
            "number": account.number,
            "next": t["done_next"].format(organization=account.organization.name),
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


CODE_ERRORS = {
    "does not match": "code_wrong",
    "8 digits": "code_format",
    "required": "contact_missing",
}


@never_cache
@csrf_protect
def code(request):
    """For users who cannot open the link: the email or device number and the 8-digit code."""
    language = _browser_language(request)
    t = text_for(language)
    try:
        activation_attempt(
            request, contact=request.POST.get("contact") if request.method == "POST" else None
        )
    except Throttled as error:
        return _throttled(request, error)
    if request.method != "POST":
        return render(
            request,
            "invitations/activation/code.html",
            {"public_page": True, "t": t, "lang": language},
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
        key = next((CODE_ERRORS[r] for r in reasons if r in CODE_ERRORS), None)
        return render(
            request,
            "invitations/activation/code.html",
            {
                "public_page": True,
                "t": t,
                "lang": language,
                "contact": contact,
                "error": t[key] if key else error.message,
            },
            status=400,
        )
    hidden = {"contact": contact, "code": code_value}
    if request.POST.get("activate"):
        return _activate(request, invitation, hidden=hidden)
    return _page(request, invitation, hidden=hidden)
