"""The SCIM 2.0 endpoints (RFC 7644) under /scim/v2/: one organization per bearer token.

Each view reads the request with scim2-models, calls portal.scim.services, and answers
`application/scim+json`; every refusal is a SCIM Error (status, scimType, detail).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    ListResponse,
    PatchOp,
    ResponseParameters,
    SCIMException,
    ScimPolicy,
)

from portal.audit import services as audit
from portal.lib.errors import DomainError
from portal.scim import schemas, services
from portal.scim.filters import FilterError, to_q

log = logging.getLogger(__name__)
CONTENT_TYPE = "application/scim+json"
MAX_BODY = 1024 * 1024
# What identity providers send that the RFC reads strictly: Microsoft Entra ID's remove with a
# value and its filters that create the entry they name; attributes we do not keep are ignored.
TOLERANT = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


def _json(body: dict, status: int = 200, **headers) -> HttpResponse:
    response = HttpResponse(json.dumps(body, default=str), status=status, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def error(status: int, detail: str, scim_type: str | None = None) -> HttpResponse:
    body = Error(status=status, scim_type=scim_type, detail=detail).model_dump(
        scim_ctx=None, exclude_none=True, by_alias=True, mode="json"
    )
    body["status"] = str(status)
    headers = {"WWW_Authenticate": 'Bearer realm="SCIM"'} if status == 401 else {}
    return _json(body, status=status, **headers)


def _from_validation(exc: ValidationError) -> HttpResponse:
    errors = Error.from_validation_errors(exc)
    first = errors[0] if errors else Error(status=400, detail="invalid")
    return error(int(first.status or 400), first.detail or "invalid", first.scim_type)


def scim_view(methods: dict[str, Callable]):
    """Authenticate the token, dispatch on the method, and turn every refusal into a SCIM Error."""

    @csrf_exempt
    @wraps(next(iter(methods.values())))
    def view(request: HttpRequest, *args, **kwargs):
        handler = methods.get(request.method)
        if handler is None:
            response = error(405, f"{request.method} is not supported here.")
            response["Allow"] = ", ".join(methods)
            return response
        header = request.headers.get("Authorization", "")
        scheme, _, raw = header.partition(" ")
        token = services.token_for(raw.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return error(401, "A valid SCIM bearer token is required.")
        if int(request.headers.get("Content-Length") or 0) > MAX_BODY:
            return error(413, "The request body is too large.", "tooLarge")
        request.scim_token = token
        base = request.build_absolute_uri("/scim/v2").rstrip("/")
        try:
            with TOLERANT, audit.via("scim"):
                return handler(request, token, base, *args, **kwargs)
        except services.ScimError as exc:
            return error(exc.status, exc.message, exc.scim_type)
        except SCIMException as exc:
            return error(exc.status, exc.detail, exc.scim_type or None)
        except ValidationError as exc:
            return _from_validation(exc)
        except FilterError as exc:
            return error(400, f"Invalid filter: {exc}", "invalidFilter")
        except DomainError as exc:
            return error(exc.status, exc.message, "invalidValue" if exc.status == 400 else None)

    return view


def _body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise services.ScimError("The body is not valid JSON.", scim_type="invalidSyntax") from None
    if not isinstance(data, dict):
        raise services.ScimError("The body must be a JSON object.", scim_type="invalidSyntax")
    return data


def _query(request: HttpRequest) -> dict:
    """A query's parameters: from the URL (GET), or from a SearchRequest body (POST .search)."""
    if request.method == "POST":
        body = _body(request)
        return {
            key: body.get(key)
            for key in ("filter", "startIndex", "count", "attributes", "excludedAttributes")
        }
    return {
        key: request.GET.get(key)
        for key in ("filter", "startIndex", "count", "attributes", "excludedAttributes")
    }


def _parameters(query: dict, model) -> ResponseParameters | None:
    attributes, excluded = query.get("attributes"), query.get("excludedAttributes")
    if not attributes and not excluded:
        return None
    return ResponseParameters[model].model_validate(
        {"attributes": attributes, "excludedAttributes": excluded}
    )


def _dump(resource, request, model, *, ctx=Context.RESOURCE_QUERY_RESPONSE) -> dict:
    return resource.model_dump(
        scim_ctx=ctx, response_parameters=_parameters(_query(request), model)
    )


def _number(query: dict, name: str, default: int) -> int:
    raw = query.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise services.ScimError(f"{name} must be a number.", scim_type="invalidValue") from None


def _list(request, queryset, model, to_resource) -> HttpResponse:
    query = _query(request)
    text = query.get("filter")
    if text:
        if not isinstance(text, str):
            raise FilterError("filter must be a string")
        queryset = queryset.filter(to_q(text, model)).distinct()
    start = max(1, min(_number(query, "startIndex", 1), 10**9))
    count = max(0, min(_number(query, "count", 100), schemas.MAX_RESULTS))
    total = queryset.count()
    items = [to_resource(obj) for obj in queryset[start - 1 : start - 1 + count]] if count else []
    listing = ListResponse[model](
        total_results=total, start_index=start, items_per_page=len(items), resources=items or None
    )
    return _json(
        listing.model_dump(
            scim_ctx=Context.SEARCH_RESPONSE, response_parameters=_parameters(query, model)
        )
    )


# ---------------------------------------------------------------- discovery


def _spc(request, token, base):
    config = schemas.service_provider_config()
    config.meta = {
        "resourceType": "ServiceProviderConfig",
        "location": f"{base}/ServiceProviderConfig",
    }
    return _json(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _located(items, base: str, kind: str):
    out = []
    for item in items:
        item.meta = {"resourceType": kind, "location": f"{base}/{kind}s/{item.id}"}
        out.append(item)
    return out


def _resource_types(request, token, base, name: str | None = None):
    items = _located(schemas.resource_types(), base, "ResourceType")
    return _discovery(request, items, name, "ResourceType")


def _schemas(request, token, base, name: str | None = None):
    items = _located(schemas.schemas(), base, "Schema")
    return _discovery(request, items, name, "Schema")


def _discovery(request, items, name, kind):
    if name is not None:
        for item in items:
            if item.id == name:
                return _json(item.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
        return error(404, f"No {kind} {name}.")
    if request.GET.get("filter"):
        return error(403, "Filtering is not supported on this endpoint.")
    listing = ListResponse[type(items[0])](
        total_results=len(items), start_index=1, items_per_page=len(items), resources=items
    )
    return _json(listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


service_provider_config = scim_view({"GET": _spc})
resource_types = scim_view({"GET": _resource_types})
schemas_view = scim_view({"GET": _schemas})


# ---------------------------------------------------------------- users


def _user(base):
    return lambda account: services.user_resource(account, base_url=base)


def _users_get(request, token, base):
    return _list(request, services.users_of(token), schemas.User, _user(base))


def _users_post(request, token, base):
    user = schemas.User.model_validate(_body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
    account = services.user_create(token=token, user=user)
    resource = services.user_resource(account, base_url=base)
    return _json(
        _dump(resource, request, schemas.User, ctx=Context.RESOURCE_CREATION_RESPONSE),
        status=201,
        Location=resource.meta.location,
    )


def _user_get(request, token, base, pk):
    account = services.user_for(token, pk)
    return _json(_dump(services.user_resource(account, base_url=base), request, schemas.User))


def _user_put(request, token, base, pk):
    account = services.user_for(token, pk)
    user = schemas.User.model_validate(
        _body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
    )
    account = services.user_replace(token=token, account=account, user=user)
    resource = services.user_resource(account, base_url=base)
    return _json(_dump(resource, request, schemas.User, ctx=Context.RESOURCE_REPLACEMENT_RESPONSE))


def _user_patch(request, token, base, pk):
    account = services.user_for(token, pk)
    patch = PatchOp[schemas.User].model_validate(
        _body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST
    )
    resource = services.user_resource(account, base_url=base)
    before = services.assigned(resource)
    if patch.patch(resource):
        removed = frozenset(before - services.assigned(resource))
        account = services.user_replace(
            token=token, account=account, user=resource, removed=removed
        )
        resource = services.user_resource(account, base_url=base)
    return _json(_dump(resource, request, schemas.User, ctx=Context.RESOURCE_PATCH_RESPONSE))


def _user_delete(request, token, base, pk):
    services.user_delete(token=token, account=services.user_for(token, pk))
    return HttpResponse(status=204)


users = scim_view({"GET": _users_get, "POST": _users_post})
users_search = scim_view({"POST": _users_get})
user = scim_view({"GET": _user_get, "PUT": _user_put, "PATCH": _user_patch, "DELETE": _user_delete})


# ---------------------------------------------------------------- groups


def _group(base):
    return lambda group: services.group_resource(group, base_url=base)


def _groups_get(request, token, base):
    return _list(request, services.groups_of(token), schemas.Group, _group(base))


def _groups_post(request, token, base):
    resource = schemas.Group.model_validate(
        _body(request), scim_ctx=Context.RESOURCE_CREATION_REQUEST
    )
    group = services.group_create(token=token, group=resource)
    created = services.group_resource(group, base_url=base)
    return _json(
        _dump(created, request, schemas.Group, ctx=Context.RESOURCE_CREATION_RESPONSE),
        status=201,
        Location=created.meta.location,
    )


def _group_get(request, token, base, pk):
    group = services.group_for(token, pk)
    return _json(_dump(services.group_resource(group, base_url=base), request, schemas.Group))


def _group_put(request, token, base, pk):
    group = services.group_for(token, pk)
    resource = schemas.Group.model_validate(
        _body(request), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
    )
    group = services.group_replace(token=token, group=group, resource=resource)
    return _json(
        _dump(
            services.group_resource(group, base_url=base),
            request,
            schemas.Group,
            ctx=Context.RESOURCE_REPLACEMENT_RESPONSE,
        )
    )


def _group_patch(request, token, base, pk):
    group = services.group_for(token, pk)
    patch = PatchOp[schemas.Group].model_validate(
        _body(request), scim_ctx=Context.RESOURCE_PATCH_REQUEST
    )
    resource = services.group_resource(group, base_url=base)
    if patch.patch(resource):
        group = services.group_replace(token=token, group=group, resource=resource)
        resource = services.group_resource(group, base_url=base)
    return _json(_dump(resource, request, schemas.Group, ctx=Context.RESOURCE_PATCH_RESPONSE))


def _group_delete(request, token, base, pk):
    services.group_delete(token=token, group=services.group_for(token, pk))
    return HttpResponse(status=204)


groups = scim_view({"GET": _groups_get, "POST": _groups_post})
groups_search = scim_view({"POST": _groups_get})


def _search_all(request, token, base):
    return error(
        501,
        "Searching several resource types at once is not supported: "
        "POST /Users/.search or /Groups/.search.",
    )


search_all = scim_view({"POST": _search_all})
group = scim_view(
    {"GET": _group_get, "PUT": _group_put, "PATCH": _group_patch, "DELETE": _group_delete}
)


@csrf_exempt
def not_found(request, rest: str = ""):
    return error(404, f"No SCIM endpoint /scim/v2/{rest}.")
