"""The portal page where an admin with the API Users privilege issues and revokes SCIM tokens."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.access.models import Privilege
from portal.access.scoping import privilege_required
from portal.lib.errors import DomainError
from portal.organizations.models import Organization
from portal.scim import services
from portal.scim.forms import ScimTokenForm
from portal.scim.models import ScimToken

SHOWN_ONCE = "scim_token_shown_once"


def _tokens(user):
    visible = Organization.objects.visible_to(user)
    return ScimToken.objects.filter(organization__in=visible).select_related(
        "organization", "created_by"
    )


def _page(request, form, status=200):
    raw = request.session.pop(SHOWN_ONCE, None)
    response = render(
        request,
        "scim/tokens.html",
        {
            "nav": "scim",
            "form": form,
            "tokens": _tokens(request.user),
            "raw": raw,
            "scim_url": request.build_absolute_uri("/scim/v2/"),
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@privilege_required(Privilege.API_USERS)
def token_list(request):
    return _page(request, ScimTokenForm(user=request.user))


@require_POST
@privilege_required(Privilege.API_USERS)
def token_issue(request):
    form = ScimTokenForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    try:
        token, raw = services.scim_token_issue(
            actor=request.user,
            organization=data["organization"],
            name=data["name"],
            invite=data["invite"],
            expires_in_days=data["expires_in_days"],
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return _page(request, form, status=400)
    request.session[SHOWN_ONCE] = raw  # Shown by the page this redirects to, then forgotten.
    messages.success(
        request,
        _("Issued the SCIM token %(prefix)s… for %(organization)s.")
        % {"prefix": token.prefix, "organization": token.organization},
    )
    return redirect("scim-pages:tokens")


@require_POST
@privilege_required(Privilege.API_USERS)
def token_revoke(request, pk):
    token = get_object_or_404(_tokens(request.user), pk=pk)
    services.scim_token_revoke(actor=request.user, token=token)
    messages.success(
        request,
        _("Revoked the SCIM token %(prefix)s… of %(organization)s.")
        % {"prefix": token.prefix, "organization": token.organization},
    )
    return redirect("scim-pages:tokens")
