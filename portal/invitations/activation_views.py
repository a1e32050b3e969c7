"""The end user's pages (no login): the link of the invitation, and the activation-code form."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from portal.invitations import services
from portal.invitations.services import Gone, NumberTaken
from portal.lib.errors import DomainError


def _gone(request, error: Gone):
    return render(request, "invitations/activation/gone.html",
                  {"public_page": True, "message": error.message, "reason": error.reason}, status=410)


def _page(request, invitation, *, hidden=None, error="", status=200):
    account = invitation.account
    return render(request, "invitations/activation/page.html", {
        "public_page": True, "account": account, "organization": account.organization,
        "number": account.number if account.number_id else None,
        "choices": [] if account.number_id else services.activation_choices(invitation),
        "expires_at": invitation.expires_at, "hidden": hidden or {}, "error": error,
    }, status=status)


def _activate(request, invitation, *, hidden=None):
    """POST: activate, or show the page again with the reason (and a fresh list when the number was taken)."""
    try:
        account = services.account_activate(invitation=invitation, number=request.POST.get("number"))
    except Gone as error:
        return _gone(request, error)
    except NumberTaken as error:
        return _page(request, invitation, hidden=hidden, error=error.message, status=409)
    except DomainError as error:
        return _page(request, invitation, hidden=hidden, error=error.message, status=400)
    return render(request, "invitations/activation/done.html",
                  {"public_page": True, "account": account, "number": account.number,
                   "organization": account.organization})


@never_cache
@csrf_protect
def link(request, token: str):
    try:
        invitation = services.invitation_for_token(token)
        services.check_usable(invitation)
    except Gone as error:
        return _gone(request, error)
    if request.method == "POST":
        return _activate(request, invitation)
    return _page(request, invitation)


@never_cache
@csrf_protect
def code(request):
    """For users who cannot open the link: the email or device number and the 8-digit code."""
    if request.method != "POST":
        return render(request, "invitations/activation/code.html", {"public_page": True})
    contact, code_value = request.POST.get("contact", ""), request.POST.get("code", "")
    try:
        invitation = services.invitation_for_code(contact=contact, code=code_value)
        services.check_usable(invitation)
    except Gone as error:
        return _gone(request, error)
    except DomainError as error:
        return render(request, "invitations/activation/code.html",
                      {"public_page": True, "error": error.message, "contact": contact}, status=400)
    hidden = {"contact": contact, "code": code_value}
    if request.POST.get("activate"):
        return _activate(request, invitation, hidden=hidden)
    return _page(request, invitation, hidden=hidden)
