from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.lib.errors import code_for
from portal.scim.views import error as scim_error

logger = logging.getLogger(__name__)

# The title of the portal's page and the API's "error" when nothing more precise is known: marked
# for translation, translated on the page only (the API answers in English).
MESSAGES = {
    400: (gettext_noop("Bad request"), gettext_noop("The request could not be understood.")),
    401: (gettext_noop("Sign in"), gettext_noop("A valid bearer token is required.")),
    403: (gettext_noop("Not allowed"), gettext_noop("You do not have the privilege for this.")),
    404: (gettext_noop("Not found"), gettext_noop("Not found.")),
    405: (gettext_noop("Not allowed"), gettext_noop("Method not allowed.")),
    409: (gettext_noop("Conflict"), gettext_noop("The request conflicts with the current state.")),
    413: (gettext_noop("Too large"), gettext_noop("The request body is too large.")),
    415: (gettext_noop("Unsupported"), gettext_noop("Unsupported content type.")),
    429: (gettext_noop("Too many requests"), gettext_noop("Too many requests: try again later.")),
    500: (
        gettext_noop("Error"),
        gettext_noop("Something went wrong on our side; it has been logged."),
    ),
}


@login_required
def home(request):
    return redirect("accounts:list")


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def error_response(
    request,
    *,
    status: int,
    message: str = "",
    fields: dict | None = None,
    title: str = "",
    code: str = "",
) -> HttpResponse:
    """The one error answer: {"error", "fields"} under /api/, a SCIM Error under /scim/, elsewhere
    a page in the portal's layout."""
    default_title, default_message = MESSAGES.get(
        status, (gettext_noop("Error"), gettext_noop("The request failed."))
    )
    message = message or default_message
    if request.path_info.startswith("/scim/"):  # SCIM clients read SCIM Errors (RFC 7644 §3.12)
        reasons = "; ".join(f"{name}: {', '.join(why)}" for name, why in (fields or {}).items())
        detail = f"{message} {reasons}" if reasons else message
        return scim_error(status, detail, "invalidValue" if status == 400 else None)
    if is_api(request):
        return JsonResponse(
            {"error": str(message), "fields": fields or {}, "code": str(code or code_for(status))},
            status=status,
        )
    try:
        return render(
            request,
            "portal/error.html",
            {"title": _(title or default_title), "message": _(message), "fields": fields or {}},
            status=status,
        )
    except Exception:  # The page itself failed (e.g. the database is down): still answer.
        logger.exception("The error page could not be rendered")
        return HttpResponse(f"<h1>{default_title}</h1>", status=status)


def too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _("The request body is too large (at most %(megabytes)s MB).") % {
        "megabytes": limit // (1024 * 1024)
    }


# ---------------------------------------------------------------- Django's handlers (portal.urls)


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return error_response(request, status=413, message=too_large_message())
    return error_response(request, status=400)


def forbidden(request, exception=None):
    return error_response(request, status=403, message=str(exception or ""))


def not_found(request, exception=None):
    return error_response(request, status=404)


def server_error(request):
    return error_response(request, status=500)
