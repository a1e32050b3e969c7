"""The REST API under /api/v1/: one NinjaAPI, each app contributes its router.

Every error answer has one shape, {"error": "...", "fields": {"field": ["reason"]}}, whatever
raised it: a domain rule (DomainError), a validation error, a body that is not JSON or holds what
no database can store (portal.lib.badinput), a missing token, a throttle. The OpenAPI document
lists these answers on every operation (PortalAPI.get_openapi_schema). Errors produced outside
ninja (unknown paths, wrong methods, over-size bodies, 500s) get the same shape from
portal.front (error_response, the handlers in portal.urls, the ApiErrorShape middleware).
"""

from __future__ import annotations

import json

from django.db import DataError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer

from portal.access.api import admins_router, roles_router, tokens_router
from portal.access.services import token_user
from portal.accounts.api import router as accounts
from portal.accounts.lifecycle_api import lifecycle_router
from portal.audit.api import router as audit_events
from portal.batches.api import router as batches
from portal.batches.api import template_router as csv_templates
from portal.dashboard.api import router as dashboard
from portal.invitations.api import resend_router, templates_router
from portal.invitations.api import router as invitations
from portal.lib import badinput
from portal.lib.errors import DomainError, ErrorOut, UnsupportedMediaType, code_for
from portal.numbers.api import router as numbers
from portal.organizations.api import router as organizations
from portal.permissions.api import router as permissions


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


class CheckedParser(Parser):
    """ninja's parser, refusing what the views and the databases cannot take."""

    def parse_body(self, request):
        content_type = request.content_type or ""
        is_json = content_type == "application/json" or content_type.endswith("+json")
        if content_type and not is_json:
            raise UnsupportedMediaType(
                f"Send a JSON body (Content-Type: application/json), not {content_type}."
            )
        data = json.loads(request.body, parse_constant=_no_constant)
        badinput.refuse(badinput.json_problems(data), "JSON body")
        return data

    def parse_querydict(self, data, list_fields, request):
        pairs = (
            (key, [v if isinstance(v, str) else getattr(v, "name", "") or "" for v in values])
            for key, values in data.lists()
        )
        badinput.refuse(badinput.pairs_problems(pairs), "parameters")
        return super().parse_querydict(data, list_fields, request)


ERROR_ANSWERS = {
    400: "Invalid input: what to fix is in `fields`",
    401: "No valid bearer token",
    403: "Your role lacks the privilege",
    404: "Not found, or outside your scope",
    409: "Conflicts with the current state (e.g. a number taken meanwhile, not enough numbers)",
    413: "The request body is too large",
    429: "Too many requests: retry after the Retry-After header's seconds",
}


class PortalAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """ninja's document, with the error answers that every operation can give."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"].setdefault("schemas", {}).setdefault(
            "ErrorOut", ErrorOut.model_json_schema()
        )
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                answers = dict(ERROR_ANSWERS)
                headers = {
                    p["name"].lower()
                    for p in operation.get("parameters", [])
                    if p["in"] == "header"
                }
                if "idempotency-key" in headers:
                    answers[422] = "The Idempotency-Key was used before with another body"
                if "application/json" in operation.get("requestBody", {}).get("content", {}):
                    answers[415] = "The body is not JSON (Content-Type: application/json)"
                responses = operation.setdefault("responses", {})
                for status, description in answers.items():
                    responses.setdefault(status, {"description": description, "content": error})
        return schema


api = PortalAPI(
    title="MultiLine Management Portal API",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    parser=CheckedParser(),
    description="Add, invite, import and move MultiLine users. Authorization: Bearer <token> "
    "(multiline issue-token USERNAME, or API tokens in the portal). Every error is "
    '{"error": "...", "fields": {"field": ["reason"]}, "code": "..."}; a method a path does not '
    "have is 405 with an Allow header.",
)


def _error(request, status: int, message: str, fields: dict | None = None, code: str = ""):
    body = {"error": str(message), "fields": fields or {}, "code": str(code or code_for(status))}
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    response = _error(request, exc.status, exc.message, exc.fields, exc.code)
    if getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "Not found.")


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return _error(request, 401, "A valid bearer token is required.")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """ninja's own refusals: a body it could not parse (with the reason), a throttle, ..."""
    cause = exc.__cause__
    if isinstance(cause, DomainError):
        return domain_error(request, cause)
    if exc.status_code == 400 and cause is not None:
        return _error(request, 400, f"The body is not valid JSON: {cause}", {"body": [str(cause)]})
    return _error(request, exc.status_code, str(exc))


def unstorable(request, exc):
    return domain_error(request, badinput.refusal_for(exc))


api.add_exception_handler(OverflowError, unstorable)
api.add_exception_handler(DataError, unstorable)


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())][1:]  # without its source (body...)
        if loc[:1] == ["payload"]:  # the body parameter's own name
            loc = loc[1:]
        fields.setdefault(".".join(loc) or "request", []).append(error.get("msg", "invalid"))
    message = "; ".join(f"{k}: {', '.join(v)}" for k, v in fields.items())
    return _error(request, 400, f"Invalid request: {message}", fields)


def _register() -> None:
    api.add_router("/organizations", organizations)
    api.add_router("/organizations", csv_templates)
    api.add_router("/permission-groups", permissions)
    api.add_router("/numbers", numbers)
    api.add_router("/accounts", resend_router)
    api.add_router("/accounts", dashboard)
    api.add_router("/accounts", lifecycle_router)
    api.add_router("/accounts", accounts)
    api.add_router("/batches", batches)
    api.add_router("/activation", invitations)
    api.add_router("/invitation-templates", templates_router)
    api.add_router("/audit-events", audit_events)
    api.add_router("/roles", roles_router)
    api.add_router("/admins", admins_router)
    api.add_router("/tokens", tokens_router)


_register()
