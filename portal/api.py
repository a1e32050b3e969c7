"""The REST API under /api/v1/: one NinjaAPI, each app contributes its router."""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from portal.access.services import token_user
from portal.audit.services import via
from portal.lib.errors import DomainError


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="MultiLine Management Portal API",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    description="Add, invite, import and move MultiLine users. Authorization: Bearer <token> "
    "(multiline issue-token USERNAME, or API tokens in the portal).",
)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"error": "Not found.", "fields": {}}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(
        request, {"error": "A valid bearer token is required.", "fields": {}}, status=401
    )


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "form", "payload")]
        fields.setdefault(".".join(loc) or "request", []).append(error.get("msg", "invalid"))
    message = "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items())
    return api.create_response(request, {"error": f"Invalid request: {message}", "fields": fields}, status=400)


def _register() -> None:
    from portal.accounts.api import router as accounts
    from portal.accounts.lifecycle_api import lifecycle_router
    from portal.batches.api import router as batches
    from portal.batches.api import template_router as csv_templates
    from portal.invitations.api import resend_router, templates_router
    from portal.invitations.api import router as invitations
    from portal.numbers.api import router as numbers
    from portal.organizations.api import router as organizations
    from portal.permissions.api import router as permissions

    api.add_router("/organizations", organizations)
    api.add_router("/organizations", csv_templates)
    api.add_router("/permission-groups", permissions)
    api.add_router("/numbers", numbers)
    api.add_router("/accounts", resend_router)
    api.add_router("/accounts", lifecycle_router)
    api.add_router("/accounts", accounts)
    api.add_router("/batches", batches)
    api.add_router("/activation", invitations)
    api.add_router("/invitation-templates", templates_router)


_register()


class ApiVia:
    """Middleware: writes made through /api/ are audited as `api`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            with via("api"):
                return self.get_response(request)
        return self.get_response(request)
