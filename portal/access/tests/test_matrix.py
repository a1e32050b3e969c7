"""The persona matrix (issue 8, point 2): every portal URL and every API operation × every persona.

What each cell must answer is written down once, below, as data: a `Rule` per route (the portal's
URL names from the resolver, the API's `METHOD path` from its OpenAPI document, SCIM's URL names)
and one function, `expected`, that derives every persona's answer from it. A URL or operation
added without a rule fails `test_every_route_has_a_rule` (there is no default); a rule left for a
route that is gone fails it too.

The order of the gates, for every door: sign-in (the portal sends to the login page, the API and
SCIM answer 401), then the privilege (403), then the scope (an object outside it is 404, never
403), then the request itself. Exceptions are data too: a view that refuses the method before
anything else (`method_first`: 405 whoever asks), and public pages.

Unsafe API operations are sent a minimal *valid* body naming objects of org A, so that the gates
after body validation are reached; each cell runs in a savepoint rolled back after it, so nothing a
cell does is seen by the next. Body validation (django-ninja's schema) runs after authentication
but before the operation's privilege check: an authenticated caller who sends a malformed body
gets the 400 naming the fields whatever its privileges — it learns the documented shape, nothing
about any object. `test_unsafe_operations_authenticate_before_reading_the_body` holds that.

Run it alone: `VAR_DIR=$(mktemp -d) .venv/bin/pytest -q portal/access/tests/test_matrix.py`.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.access.models import Privilege as P

# ---------------------------------------------------------------- the rules, once

PUBLIC = "public"  # no sign-in
LOGIN = "login"  # any signed-in admin, no privilege
OPERATOR = "operator"


@dataclass(frozen=True)
class AnyOf:
    privileges: tuple[str, ...]


@dataclass(frozen=True)
class AllOf:
    privileges: tuple[str, ...]


def any_of(*privileges):
    return AnyOf(tuple(privileges))


def all_of(*privileges):
    return AllOf(tuple(privileges))


@dataclass(frozen=True)
class Rule:
    """What a route needs and what it answers when allowed.

    need: PUBLIC, LOGIN, OPERATOR, a Privilege value, any_of(...) or all_of(...).
    obj: "org" — the URL (or body) names an object of org A: outside org A's scope it is 404;
         "own" — an object only its creator (full_a) and the operator see: anybody else 404;
         "field" — the body names org A: outside its scope a 400 naming the field, worded as for
         an organization that does not exist (the roles and admins API);
         "role" — a role of org A: read-only (403) to the sub-organization's admins, who may
         give it; other tenants' 404.
    ok: the answer when allowed — "2xx", "3xx" (a redirect, not to the login page), an exact
        status, or "passed" (an unsafe call past every gate: 2xx, 3xx, 400, 409, 410 or 422).
    signed_in: for public pages, the answer to a signed-in visitor when it differs.
    method_first: the view refuses the method (GET on a POST-only view: 405) before anything.
    args: path parameters → the name of the object of `World` that fills them.
    query / body / form: what is sent (body: a function of the World, for unsafe API calls).
    """

    need: Any
    obj: str = ""
    ok: Any = "2xx"
    signed_in: Any = None
    method_first: bool = False
    args: dict = field(default_factory=dict)
    query: str = ""
    body: Callable | None = None
    multipart: bool = False


def page(need, **kw) -> Rule:
    return Rule(need, **kw)


ZED = all_of(P.ADMINISTRATORS, P.REPORTS)  # what changing zed, or zed's role, takes
TWO = "ids={account}&ids={account2}"  # a selection: bulk pages need Accounts Bulk Operations

# Portal pages by URL name (GET). A POST-only view is 405 to a GET; those whose privilege check
# comes first say so by not being `method_first`.
PAGES: dict[str, Rule] = {
    "home": page(LOGIN, ok="3xx"),
    "login": page(PUBLIC, signed_in="3xx"),
    "healthz": page(PUBLIC),  # the supervisor's probe: no sign-in, no personal data
    "logout": page(PUBLIC, ok=405),
    "dashboard:home": page(any_of(P.ACCOUNTS, P.REPORTS)),
    "set_password": page(PUBLIC, args={"uidb64": "MQ", "token": "not-a-token"}),
    "accounts:list": page(P.ACCOUNTS),
    "accounts:export": page(P.ACCOUNTS),
    "accounts:add": page(P.ACCOUNTS),
    "accounts:detail": page(P.ACCOUNTS, obj="org", args={"account_id": "account"}),
    "accounts:edit": page(P.ACCOUNTS, obj="org", args={"account_id": "account"}),
    "accounts:move": page(all_of(P.ACCOUNTS, P.ACCOUNTS_BULK), obj="org", query=TWO),
    "accounts:suspend": page(all_of(P.ACCOUNTS, P.ACCOUNTS_BULK), obj="org", query=TWO),
    "accounts:reactivate": page(all_of(P.ACCOUNTS, P.ACCOUNTS_BULK), obj="org", query=TWO),
    "accounts:delete": page(all_of(P.ACCOUNTS, P.ACCOUNTS_BULK), obj="org", query=TWO),
    "accounts:edit_many": page(all_of(P.ACCOUNTS, P.ACCOUNTS_BULK), obj="org", query=TWO),
    "accounts:job": page(P.ACCOUNTS, obj="own", args={"job_id": "accounts_job"}),
    "accounts:job_progress": page(P.ACCOUNTS, obj="own", args={"job_id": "accounts_job"}),
    "numbers:list": page(P.NUMBERS),
    "numbers:add": page(OPERATOR),  # numbers come from the operator
    "numbers:add_result": page(P.NUMBERS, obj="own", args={"job_id": "numbers_job"}),
    "numbers:allocate": page(P.NUMBERS, method_first=True, ok=405),
    "numbers:withdraw": page(P.NUMBERS, method_first=True, ok=405),
    "numbers:tag": page(P.NUMBERS, method_first=True, ok=405),
    "numbers:untag": page(P.NUMBERS, method_first=True, ok=405),
    "numbers:reserve": page(P.NUMBERS, method_first=True, ok=405),
    "numbers:unreserve": page(P.NUMBERS, method_first=True, ok=405),
    "organizations:list": page(P.ORGANIZATIONS),
    "organizations:create": page(P.ORGANIZATIONS),
    "organizations:edit": page(P.ORGANIZATIONS, obj="org", args={"slug": "org_a_slug"}),
    "permissions:list": page(P.PERMISSIONS),
    "permissions:create": page(P.PERMISSIONS, method_first=True, ok=405),
    "permissions:rename": page(P.PERMISSIONS, method_first=True, ok=405, args={"pk": "group"}),
    "permissions:set_default": page(P.PERMISSIONS, method_first=True, ok=405, args={"pk": "group"}),
    "access:admins": page(P.ADMINISTRATORS),
    "access:admin_create": page(P.ADMINISTRATORS),
    # Grant rules: an admin changes only admins (and roles) holding no privilege it lacks — zed's
    # role, of org A, holds Reports.
    "access:admin_edit": page(ZED, obj="org", args={"pk": "zed"}),
    "access:role_create": page(P.ADMINISTRATORS),
    # The page opens for an Administrators admin lacking a privilege of the role; saving is
    # refused (403, the grant rule): PATCH /api/v1/roles/{role_id} below.
    "access:role_edit": page(P.ADMINISTRATORS, obj="role", args={"pk": "role"}),
    "access:preferences": page(LOGIN),  # always the signed-in admin's own
    "access:tokens": page(LOGIN),
    "access:token_issue": page(LOGIN, method_first=True, ok=405),
    "access:token_revoke": page(LOGIN, method_first=True, ok=405, args={"pk": "api_token"}),
    "invitations:templates": page(P.SETUP),
    "invitations:template_edit": page(
        P.SETUP, obj="org", args=dict(slug="org_a_slug", language="en", channel="email")
    ),
    "invitations:template_preview": page(
        P.SETUP,
        method_first=True,
        ok=405,
        args=dict(slug="org_a_slug", language="en", channel="email"),
    ),
    "invitations:template_test": page(
        P.SETUP,
        method_first=True,
        ok=405,
        args=dict(slug="org_a_slug", language="en", channel="email"),
    ),
    "invitations:template_reset": page(
        P.SETUP,
        method_first=True,
        ok=405,
        args=dict(slug="org_a_slug", language="en", channel="email"),
    ),
    "invitations:resend": page(P.ACCOUNTS, method_first=True, ok=405),
    "activation:code": page(PUBLIC),
    "activation:link": page(PUBLIC, ok=410, args={"token": "unknown_token"}),
    "batches:list": page(P.REPORTS),
    "batches:upload": page(P.ACCOUNTS_BULK),
    "batches:template": page(P.ACCOUNTS_BULK, obj="org", query="organization=org-a"),
    "batches:detail": page(any_of(P.ACCOUNTS_BULK, P.REPORTS), obj="org", args={"pk": "batch"}),
    "batches:progress": page(any_of(P.ACCOUNTS_BULK, P.REPORTS), obj="org", args={"pk": "batch"}),
    "batches:report": page(any_of(P.ACCOUNTS_BULK, P.REPORTS), obj="org", args={"pk": "batch"}),
    "batches:resume": page(P.ACCOUNTS_BULK, ok=405, args={"pk": "batch"}),
    "signin:password_change": page(LOGIN),
    "signin:password_reset": page(PUBLIC),
    "signin:password_reset_done": page(PUBLIC),
    "signin:password_reset_confirm": page(PUBLIC, args={"uidb64": "MQ", "token": "not-a-token"}),
    "signin:verify": page(LOGIN, ok="3xx"),  # nothing to verify: on to the portal
    "signin:two_factor": page(LOGIN),
    "signin:enrol_totp": page(LOGIN),
    "signin:enrol_email": page(LOGIN),
    "signin:remove_device": page(LOGIN, ok=405, args={"kind": "totp", "pk": "group"}),
    "signin:lockouts": page(P.ADMINISTRATORS),
    "signin:unlock": page(LOGIN, ok=405, args={"pk": "group"}),
    "audit:list": page(P.REPORTS),
    "audit:csv": page(P.REPORTS),
    "alerts:setup": page(P.SETUP),
    "scim-pages:tokens": page(P.API_USERS),
    "scim-pages:issue": page(P.API_USERS, method_first=True, ok=405),
    "scim-pages:revoke": page(P.API_USERS, method_first=True, ok=405, args={"pk": "scim_token"}),
    "api:openapi-json": page(PUBLIC),
    "api:openapi-view": page(PUBLIC),
}

A = "org-a"
TEMPLATE = dict(slug="org_a_slug", language="en", channel="email")


def _ids(*names):
    return lambda w: {"ids": [getattr(w, n) for n in names]}


# API operations by "METHOD /path" of the OpenAPI document.
API: dict[str, Rule] = {
    "GET /api/v1/organizations": Rule(P.ORGANIZATIONS),
    "POST /api/v1/organizations": Rule(
        P.ORGANIZATIONS,
        obj="org",
        ok="passed",
        body=lambda w: {"name": "Matrix Branch", "slug": "matrix-branch", "parent": A},
    ),
    "GET /api/v1/organizations/{slug}": Rule(
        P.ORGANIZATIONS, obj="org", args={"slug": "org_a_slug"}
    ),
    "PATCH /api/v1/organizations/{slug}": Rule(
        P.ORGANIZATIONS,
        obj="org",
        ok="passed",
        args={"slug": "org_a_slug"},
        body=lambda w: {"name": "Org A renamed"},
    ),
    "GET /api/v1/organizations/{slug}/csv-template": Rule(
        P.ACCOUNTS_BULK, obj="org", args={"slug": "org_a_slug"}
    ),
    "GET /api/v1/permission-groups": Rule(P.PERMISSIONS),
    "POST /api/v1/permission-groups": Rule(
        P.PERMISSIONS,
        obj="org",
        ok="passed",
        body=lambda w: {"organization": A, "name": "Matrix group"},
    ),
    "PATCH /api/v1/permission-groups/{group_id}": Rule(
        P.PERMISSIONS,
        obj="org",
        ok="passed",
        args={"group_id": "group"},
        body=lambda w: {"name": "Renamed"},
    ),
    "GET /api/v1/numbers": Rule(P.NUMBERS),
    "POST /api/v1/numbers": Rule(
        OPERATOR,
        ok="passed",
        body=lambda w: {"organization": A, "numbers": ["+447911123400"]},
    ),
    # Numbers named outside the scope are per-number results ("not_found"), not a 404.
    "POST /api/v1/numbers/allocate": Rule(
        P.NUMBERS,
        obj="org",
        ok="passed",
        body=lambda w: {"numbers": [w.free_number], "organization": A},
    ),
    "POST /api/v1/numbers/withdraw": Rule(
        P.NUMBERS, ok="passed", body=lambda w: {"numbers": [w.free_number]}
    ),
    "POST /api/v1/numbers/tag": Rule(
        P.NUMBERS, ok="passed", body=lambda w: {"numbers": [w.free_number], "tags": ["MATRIX"]}
    ),
    "POST /api/v1/numbers/reserve": Rule(
        P.NUMBERS, ok="passed", body=lambda w: {"numbers": [w.free_number]}
    ),
    "POST /api/v1/numbers/unreserve": Rule(
        P.NUMBERS, ok="passed", body=lambda w: {"numbers": [w.free_number]}
    ),
    # Bulk Resend needs Accounts Bulk Operations (one account: Accounts).
    "POST /api/v1/accounts/resend-invitation": Rule(
        all_of(P.ACCOUNTS, P.ACCOUNTS_BULK),
        obj="org",
        ok="passed",
        body=_ids("account", "account2"),
    ),
    "POST /api/v1/accounts/move": Rule(
        P.ACCOUNTS,
        obj="org",
        ok="passed",
        body=lambda w: {"ids": [w.account], "organization": "org-a-branch"},
    ),
    "POST /api/v1/accounts/suspend": Rule(
        all_of(P.ACCOUNTS, P.ACCOUNTS_BULK),
        obj="org",
        ok="passed",
        body=_ids("account", "account2"),
    ),
    "POST /api/v1/accounts/reactivate": Rule(
        all_of(P.ACCOUNTS, P.ACCOUNTS_BULK),
        obj="org",
        ok="passed",
        body=_ids("account", "account2"),
    ),
    "POST /api/v1/accounts/delete": Rule(
        all_of(P.ACCOUNTS, P.ACCOUNTS_BULK),
        obj="org",
        ok="passed",
        body=_ids("account", "account2"),
    ),
    "POST /api/v1/accounts/edit": Rule(
        all_of(P.ACCOUNTS, P.ACCOUNTS_BULK),
        obj="org",
        ok="passed",
        body=lambda w: {"ids": [w.account, w.account2], "changes": {"language": "it"}},
    ),
    "GET /api/v1/accounts/jobs/{job_id}": Rule(
        P.ACCOUNTS, obj="own", args={"job_id": "accounts_job"}
    ),
    "POST /api/v1/accounts/{account_id}/edit": Rule(
        P.ACCOUNTS,
        obj="org",
        ok="passed",
        args={"account_id": "account"},
        body=lambda w: {"first_name": "Mia"},
    ),
    "POST /api/v1/accounts/{account_id}/suspend": Rule(
        P.ACCOUNTS, obj="org", ok="passed", args={"account_id": "account"}
    ),
    "POST /api/v1/accounts/{account_id}/reactivate": Rule(
        P.ACCOUNTS, obj="org", ok="passed", args={"account_id": "account"}
    ),
    "POST /api/v1/accounts/{account_id}/delete": Rule(
        P.ACCOUNTS, obj="org", ok="passed", args={"account_id": "account"}
    ),
    "POST /api/v1/accounts/{account_id}/move": Rule(
        P.ACCOUNTS,
        obj="org",
        ok="passed",
        args={"account_id": "account"},
        body=lambda w: {"organization": "org-a-branch"},
    ),
    "GET /api/v1/accounts/dashboard": Rule(
        any_of(P.ACCOUNTS, P.REPORTS), obj="org", query="organization=org-a"
    ),
    "GET /api/v1/accounts": Rule(P.ACCOUNTS),
    "POST /api/v1/accounts": Rule(
        P.ACCOUNTS,
        obj="org",
        ok="passed",
        body=lambda w: {"organization": A, "email": "matrix@example.com"},
    ),
    "GET /api/v1/accounts/{account_id}": Rule(
        P.ACCOUNTS, obj="org", args={"account_id": "account"}
    ),
    "GET /api/v1/batches": Rule(P.REPORTS),
    "POST /api/v1/batches": Rule(
        P.ACCOUNTS_BULK, obj="org", ok="passed", multipart=True, body=lambda w: {"organization": A}
    ),
    "GET /api/v1/batches/{batch_id}": Rule(
        any_of(P.ACCOUNTS_BULK, P.REPORTS), obj="org", args={"batch_id": "batch"}
    ),
    "GET /api/v1/batches/{batch_id}/report.csv": Rule(
        any_of(P.ACCOUNTS_BULK, P.REPORTS), obj="org", args={"batch_id": "batch"}
    ),
    "POST /api/v1/batches/{batch_id}/resume": Rule(
        P.ACCOUNTS_BULK, obj="org", ok="passed", args={"batch_id": "batch"}
    ),
    # A code that matches nothing is a 400 naming the field, whoever asks (no oracle either).
    "POST /api/v1/activation/by-code": Rule(
        PUBLIC, ok=400, body=lambda w: {"contact": "nobody@example.com", "code": "12345678"}
    ),
    "POST /api/v1/activation/by-code/activate": Rule(
        PUBLIC,
        ok=400,
        body=lambda w: {
            "contact": "nobody@example.com",
            "code": "12345678",
            "number": "+447911123456",
        },
    ),
    "POST /api/v1/activation/by-code/renew": Rule(
        PUBLIC, ok=400, body=lambda w: {"contact": "nobody@example.com", "code": "12345678"}
    ),
    "POST /api/v1/activation/{token}/renew": Rule(
        PUBLIC, ok=410, args={"token": "unknown_token"}, body=lambda w: {}
    ),
    "GET /api/v1/activation/{token}": Rule(PUBLIC, ok=410, args={"token": "unknown_token"}),
    "POST /api/v1/activation/{token}": Rule(
        PUBLIC, ok=410, args={"token": "unknown_token"}, body=lambda w: {}
    ),
    "GET /api/v1/invitation-templates/{slug}": Rule(
        P.SETUP, obj="org", args={"slug": "org_a_slug"}
    ),
    "GET /api/v1/invitation-templates/{slug}/{language}/{channel}": Rule(
        P.SETUP, obj="org", args=dict(slug="org_a_slug", language="en", channel="email")
    ),
    "PUT /api/v1/invitation-templates/{slug}/{language}/{channel}": Rule(
        P.SETUP,
        obj="org",
        ok="passed",
        args=dict(slug="org_a_slug", language="en", channel="email"),
        body=lambda w: {"subject": "Welcome", "body": "Hello {first_name}: {link}"},
    ),
    "DELETE /api/v1/invitation-templates/{slug}/{language}/{channel}": Rule(
        P.SETUP,
        obj="org",
        ok="passed",
        args=dict(slug="org_a_slug", language="en", channel="email"),
    ),
    "POST /api/v1/invitation-templates/{slug}/{language}/{channel}/preview": Rule(
        P.SETUP,
        obj="org",
        ok="passed",
        args=dict(slug="org_a_slug", language="en", channel="email"),
        body=lambda w: {"subject": "Welcome", "body": "Hello {first_name}: {link}"},
    ),
    "POST /api/v1/invitation-templates/{slug}/{language}/{channel}/test": Rule(
        P.SETUP,
        obj="org",
        ok="passed",
        args=dict(slug="org_a_slug", language="en", channel="email"),
        body=lambda w: {"subject": "Welcome", "body": "Hello {first_name}: {link}"},
    ),
    "GET /api/v1/audit-events": Rule(P.REPORTS, obj="org", query="organization=org-a"),
    "POST /api/v1/roles": Rule(
        P.ADMINISTRATORS,
        obj="field",
        ok="passed",
        body=lambda w: {"name": "Matrix new", "organization": A, "privileges": ["administrators"]},
    ),
    "GET /api/v1/roles": Rule(P.ADMINISTRATORS),
    "PATCH /api/v1/roles/{role_id}": Rule(
        ZED, obj="role", ok="passed", args={"role_id": "role"}, body=lambda w: {"name": "Renamed"}
    ),
    "POST /api/v1/admins": Rule(
        ZED,
        obj="field",
        ok="passed",
        body=lambda w: {
            "username": "matrix-new",
            "email": "matrix-new@example.com",
            "password": "Correct-horse-battery-9",
            "role": w.role,
            "organizations": [A],
        },
    ),
    "GET /api/v1/admins": Rule(P.ADMINISTRATORS),
    "PATCH /api/v1/admins/{admin_id}": Rule(
        ZED, obj="org", ok="passed", args={"admin_id": "zed"}, body=lambda w: {"first_name": "Zed"}
    ),
    "POST /api/v1/tokens": Rule(LOGIN, ok="passed", body=lambda w: {"name": "Matrix"}),
    "GET /api/v1/tokens": Rule(LOGIN),
    "DELETE /api/v1/tokens/{token_id}": Rule(
        LOGIN, obj="own", ok="passed", args={"token_id": "api_token"}
    ),
}

# SCIM endpoints by URL name: a SCIM token of org A reaches org A's users and groups; one of
# org B gets 404 for them; a revoked SCIM token, an admin's API token and no token get 401.
# The POST-only portal views (405 to a GET above), POSTed a minimal form naming org A's objects.
# A choice of the form outside the scope (an organization in a select) is a form error (400),
# worded as for a value that does not exist; an object in the URL outside the scope is 404.
POSTS: dict[str, Rule] = {
    # Nobody has a device or a lockout of that id: a 404 once the sign-in and privilege passed.
    "signin:remove_device": page(LOGIN, ok=404, args={"kind": "totp", "pk": "group"}),
    # Lockouts outside what one may release read as missing, privilege or not: a 404 for all.
    "signin:unlock": page(LOGIN, ok=404, args={"pk": "group"}),
    "numbers:allocate": page(
        P.NUMBERS, obj="org", ok="passed", body=lambda w: {"n": w.free_number_id, "destination": A}
    ),
    "numbers:withdraw": page(P.NUMBERS, ok="passed", body=lambda w: {"n": w.free_number_id}),
    "numbers:tag": page(
        P.NUMBERS, ok="passed", body=lambda w: {"n": w.free_number_id, "tags": "X"}
    ),
    "numbers:untag": page(
        P.NUMBERS, ok="passed", body=lambda w: {"n": w.free_number_id, "tags": "X"}
    ),
    "numbers:reserve": page(P.NUMBERS, ok="passed", body=lambda w: {"n": w.free_number_id}),
    "numbers:unreserve": page(P.NUMBERS, ok="passed", body=lambda w: {"n": w.free_number_id}),
    "permissions:create": page(
        P.PERMISSIONS, ok="passed", body=lambda w: {"organization": A, "name": "Matrix group"}
    ),
    "permissions:rename": page(
        P.PERMISSIONS,
        obj="org",
        ok="passed",
        args={"pk": "group"},
        body=lambda w: {"name": "Renamed"},
    ),
    "permissions:set_default": page(P.PERMISSIONS, obj="org", ok="passed", args={"pk": "group"}),
    "access:token_issue": page(LOGIN, ok="passed", body=lambda w: {"name": "Matrix"}),
    # full_a's own token: its holder's and the operator's (others manage service admins' only).
    "access:token_revoke": page(LOGIN, obj="own", ok="passed", args={"pk": "api_token"}),
    "invitations:template_preview": page(
        P.SETUP,
        obj="org",
        ok="passed",
        args=TEMPLATE,
        body=lambda w: {"subject": "Hi", "body": "Hi {link}"},
    ),
    "invitations:template_test": page(
        P.SETUP,
        obj="org",
        ok="passed",
        args=TEMPLATE,
        body=lambda w: {"subject": "Hi", "body": "Hi {link}"},
    ),
    "invitations:template_reset": page(P.SETUP, obj="org", ok="passed", args=TEMPLATE),
    "invitations:resend": page(
        all_of(P.ACCOUNTS, P.ACCOUNTS_BULK),
        obj="org",
        ok="passed",
        body=lambda w: {"ids": [w.account, w.account2]},
    ),
    "batches:resume": page(P.ACCOUNTS_BULK, obj="org", ok="passed", args={"pk": "batch"}),
    "scim-pages:issue": page(P.API_USERS, ok="passed", body=lambda w: {"organization": A}),
    "scim-pages:revoke": page(P.API_USERS, obj="org", ok="passed", args={"pk": "scim_token"}),
}
NOT_POSTED = {"logout": "it would end the persona's session for the cells after it"}

SCIM: dict[str, Rule] = {
    "scim-spc": Rule(LOGIN),
    "scim-resource-types": Rule(LOGIN),
    "scim-resource-type": Rule(LOGIN, args={"name": "scim_user_type"}),
    "scim-schemas": Rule(LOGIN),
    "scim-schema": Rule(LOGIN, args={"name": "scim_user_schema"}),
    "scim-search": Rule(LOGIN, method_first=True, ok=405),
    "scim-users": Rule(LOGIN),
    "scim-users-search": Rule(LOGIN, method_first=True, ok=405),
    "scim-user": Rule(LOGIN, obj="org", args={"pk": "scim_user"}),
    "scim-groups": Rule(LOGIN),
    "scim-groups-search": Rule(LOGIN, method_first=True, ok=405),
    "scim-group": Rule(LOGIN, obj="org", args={"pk": "group"}),
    "scim-not-found": Rule(
        PUBLIC, ok=404, args={"rest": "Nothing"}
    ),  # an unknown path: no token read
}

# ---------------------------------------------------------------- the personas

ALL = frozenset(P.values)


@dataclass
class Persona:
    name: str
    privileges: frozenset = frozenset()
    operator: bool = False
    sees_a: bool = False  # org A is in its scope
    below_a: bool = False  # an admin of a sub-organization of org A
    signed_in: bool = True
    token_valid: bool = True  # for the API: False is a revoked token (or none)


def personas() -> list[Persona]:
    people = [
        Persona("anonymous", signed_in=False, token_valid=False),
        Persona("operator", ALL, operator=True, sees_a=True),
        Persona("full_a", ALL, sees_a=True),
    ]
    people += [Persona(f"only_{p}", frozenset([p]), sees_a=True) for p in P.values]
    people += [
        Persona("no_accounts", ALL - {P.ACCOUNTS, P.ACCOUNTS_BULK}, sees_a=True),
        Persona("sub_admin", ALL, below_a=True),
        Persona("b_admin", ALL),
    ]
    return people


def _has(persona: Persona, need) -> bool:
    if persona.operator:
        return True
    if need == OPERATOR:
        return False
    if need == LOGIN:
        return True
    if isinstance(need, AnyOf):
        return any(p in persona.privileges for p in need.privileges)
    if isinstance(need, AllOf):
        return all(p in persona.privileges for p in need.privileges)
    return need in persona.privileges


def expected(rule: Rule, persona: Persona, *, door: str):
    """The answer of one cell, from the route's rule. `door`: "portal", "api" or "scim"."""
    if rule.method_first:
        return 405
    if rule.need == PUBLIC:
        return rule.signed_in if (persona.signed_in and rule.signed_in is not None) else rule.ok
    if not (persona.signed_in if door == "portal" else persona.token_valid):
        return "login" if door == "portal" else 401
    if not _has(persona, rule.need):
        return 403
    if rule.obj == "org" and not persona.sees_a:
        return 404
    if rule.obj == "own" and not (persona.operator or persona.name == "full_a"):
        return 404
    if rule.obj == "field" and not persona.sees_a:
        return 400
    if rule.obj == "role" and not persona.sees_a:
        return 403 if persona.below_a else 404
    return rule.ok


def answer_class(response, want) -> Any:
    """The response's status read at the precision of `want`."""
    status = response.status_code
    if 300 <= status < 400 and response.get("Location", "").startswith("/login/"):
        return "login"
    if want == "passed":
        return "passed" if (200 <= status < 400 or status in (400, 409, 410, 422)) else status
    if 300 <= status < 400:
        return "3xx" if want == "3xx" else status
    if want == "2xx" and 200 <= status < 300:
        return "2xx"
    return status


# ---------------------------------------------------------------- the world (once per module)


@dataclass
class World:
    clients: dict = field(default_factory=dict)  # persona → signed-in portal client
    tokens: dict = field(default_factory=dict)  # persona → API bearer token ("" for none)
    scim_tokens: dict = field(default_factory=dict)
    org_a_slug: str = A
    unknown_token: str = "Qm9ndXMtaW52aXRhdGlvbi10b2tlbi1mb3ItdGhlLW1hdHJpeA"
    scim_user_type: str = "User"
    scim_user_schema: str = "urn:ietf:params:scim:schemas:core:2.0:User"
    account: int = 0
    account2: int = 0
    accounts_job: int = 0
    numbers_job: int = 0
    group: int = 0
    zed: int = 0
    role: int = 0
    api_token: int = 0
    scim_token: int = 0
    scim_user: str = ""
    batch: int = 0
    free_number: str = ""
    free_number_id: int = 0


def _build(world: World) -> None:
    from django.contrib.auth import get_user_model

    from portal.access.services import admin_create, role_save, token_issue, token_revoke
    from portal.accounts.services import account_add
    from portal.batches.services import batch_create, batch_run
    from portal.batches.tests import files
    from portal.jobs.services import job_record
    from portal.numbers.models import Number
    from portal.numbers.services import numbers_add
    from portal.organizations.services import organization_create
    from portal.permissions.models import PermissionGroup
    from portal.scim.services import scim_token_issue, scim_token_revoke

    features = ["voice_calling", "sms", "social_messaging", "call_recording", "sms_recording"]
    org_a = organization_create(actor=None, name="Org A", slug=A, features=features)
    branch = organization_create(
        actor=None,
        name="Org A Branch",
        slug="org-a-branch",
        parent=org_a,
        features=["voice_calling"],
    )
    org_b = organization_create(actor=None, name="Org B", slug="org-b", features=["voice_calling"])
    operator = get_user_model().objects.create_superuser(
        "operator", "operator@example.com", "Operator-pass-1"
    )
    full = role_save(actor=None, name="Matrix full", privileges=list(P.values))
    users = {"operator": operator}

    def admin(name, role, orgs):
        users[name] = admin_create(
            actor=None,
            username=name,
            email=f"{name}@example.com",
            password="Correct-horse-9",
            role=role,
            organizations=orgs,
        )

    admin("full_a", full, [org_a])
    for p in P.values:
        admin(f"only_{p}", role_save(actor=None, name=f"Matrix {p}", privileges=[p]), [org_a])
    admin(
        "no_accounts",
        role_save(
            actor=None,
            name="Matrix no accounts",
            privileges=sorted(ALL - {P.ACCOUNTS, P.ACCOUNTS_BULK}),
        ),
        [org_a],
    )
    admin("sub_admin", full, [branch])
    admin("b_admin", full, [org_b])
    reports = role_save(
        actor=None, name="Matrix role of zed", privileges=[P.REPORTS], organization=org_a
    )
    zed = admin_create(
        actor=None,
        username="zed",
        email="zed@example.com",
        password="Correct-horse-9",
        role=reports,
        organizations=[org_a],
    )
    world.zed, world.role = zed.pk, reports.pk

    numbers = [f"+4479111234{i:02d}" for i in range(10, 16)]
    numbers_add(actor=None, organization=org_a, values=numbers)
    numbers_add(actor=None, organization=org_b, values=["+447911123420"])
    world.free_number = numbers[5]
    world.free_number_id = Number.objects.get(e164=numbers[5]).pk
    a = users["full_a"]
    world.account = account_add(
        actor=a,
        organization=org_a,
        data={"email": "ada@example.com", "multiline_number": numbers[0]},
    ).pk
    world.account2 = account_add(actor=a, organization=org_a, data={"email": "bea@example.com"}).pk
    world.group = PermissionGroup.objects.get(organization=org_a, is_default=True).pk
    world.accounts_job = job_record(
        actor=a,
        action="suspend",
        results=[
            {"id": world.account, "account": "ada@example.com", "result": "done", "reason": ""}
        ],
    ).pk
    world.numbers_job = job_record(
        actor=a,
        action="numbers.add",
        done_result="added",
        results=[{"value": numbers[1], "number": numbers[1], "result": "exists", "reason": ""}],
    ).pk
    batch = batch_create(
        actor=a,
        organization=org_a,
        permission_group=None,
        filename="a.csv",
        data=files.excel_csv_utf8([files.row(email="cy@example.com")]),
        enqueue=False,
    )
    world.batch = batch_run(batch_id=batch.pk).pk

    for name, user in users.items():
        client = Client()
        client.force_login(user)
        world.clients[name] = client
        world.tokens[name] = token_issue(actor=user, user=user)[1]
    world.clients["anonymous"] = Client()
    world.tokens["anonymous"] = ""
    revoked, raw = token_issue(actor=a, user=a)
    token_revoke(actor=a, token=revoked)
    world.tokens["revoked"] = raw
    world.api_token = token_issue(actor=a, user=a)[0].pk

    scim_a, world.scim_tokens["org_a"] = scim_token_issue(
        actor=a, organization=org_a, name="Okta", invite=False
    )
    world.scim_token = scim_a.pk
    world.scim_tokens["org_b"] = scim_token_issue(
        actor=users["b_admin"], organization=org_b, name="Entra", invite=False
    )[1]
    gone, world.scim_tokens["revoked"] = scim_token_issue(
        actor=a, organization=org_a, name="Old", invite=False
    )
    scim_token_revoke(actor=a, token=gone)
    created = Client().post(
        "/scim/v2/Users",
        json.dumps(
            {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "dee@example.com",
                "emails": [{"value": "dee@example.com", "primary": True}],
            }
        ),
        content_type="application/scim+json",
        headers={"Authorization": f"Bearer {world.scim_tokens['org_a']}"},
    )
    assert created.status_code == 201, created.content
    world.scim_user = json.loads(created.content)["id"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Org A, its sub-organization, org B, every persona and org A's objects: made once for the
    module inside a transaction rolled back at its end."""
    # Argon2 for a score of admins would be most of the set-up's time: a fast hasher while building.
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast:
        with transaction.atomic():
            started = time.monotonic()
            made = World()
            _build(made)
            made.setup_seconds = time.monotonic() - started
            yield made
            transaction.set_rollback(True)


@pytest.fixture
def in_world(world, db):
    """The world, inside the test's own transaction (pytest-django sets the test database up
    only for a session in which some test asks for `db`)."""
    return world


def _cell(send, *args, **kwargs):
    """One request, `send(*args, **kwargs)`, in a savepoint rolled back after it: no cell sees
    what another did."""
    with transaction.atomic():
        response = send(*args, **kwargs)
        transaction.set_rollback(True)
    return response


def _fill(rule: Rule, world: World) -> dict:
    """Path parameters: an attribute of the world (an id of org A's object), else the literal."""
    return {name: getattr(world, key, key) for name, key in rule.args.items()}


def _query(rule: Rule, world: World) -> str:
    return rule.query.format(account=world.account, account2=world.account2)


# ---------------------------------------------------------------- the routes there are


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or "")


def portal_routes() -> dict[str, str]:
    """URL name → pattern of every portal URL (the API's own are its operations)."""
    return {
        name: route
        for route, name in _walk(get_resolver().url_patterns)
        if not route.startswith(("api/v1/", "scim/v2/")) or name.startswith("api:openapi")
    }


def scim_routes() -> dict[str, str]:
    return {
        name: route
        for route, name in _walk(get_resolver().url_patterns)
        if route.startswith("scim/v2/")
    }


def api_operations(client: Client) -> set[str]:
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def test_every_route_has_a_rule(in_world):
    """No silent default: a new URL or operation fails here until its rule is written."""
    problems = []
    for kind, there, rules in [
        ("portal URL", set(portal_routes()), PAGES),
        ("SCIM URL", set(scim_routes()), SCIM),
        ("API operation", api_operations(Client()), API),
    ]:
        problems += [f"{kind} without a rule: {r}" for r in sorted(there - set(rules))]
        problems += [f"rule for a {kind} that is gone: {r}" for r in sorted(set(rules) - there)]
    post_only = {n for n, r in PAGES.items() if r.ok == 405} - set(NOT_POSTED)
    problems += [
        f"POST-only portal URL without a POST rule: {n}" for n in sorted(post_only - set(POSTS))
    ]
    problems += [f"POST rule for no POST-only URL: {n}" for n in sorted(set(POSTS) - post_only)]
    assert not problems, "\n".join(problems)


def _report(mismatches: list, cells: int, seconds: float) -> None:
    print(f"\n{cells} cells in {seconds:.1f} s")
    assert not mismatches, f"{len(mismatches)} of {cells} cells differ:\n" + "\n".join(
        f"  {where:<70} {who:<22} expected {want!s:<6} got {got}"
        for where, who, want, got in mismatches
    )


def test_every_portal_url_answers_every_persona_as_written(in_world):
    world, mismatches, cells, started = in_world, [], 0, time.monotonic()
    for name, rule in PAGES.items():
        if name.startswith("api:"):
            path = reverse(name)
        else:
            path = reverse(name, kwargs=_fill(rule, world))
        query = _query(rule, world)
        url = f"{path}?{query}" if query else path
        for persona in personas():
            client = world.clients[persona.name]
            want = expected(rule, persona, door="portal")
            response = _cell(client.get, url)
            cells += 1
            got = answer_class(response, want)
            if got != want:
                mismatches.append((f"GET {url} ({name})", persona.name, want, got))
    _report(mismatches, cells, time.monotonic() - started)


def test_every_post_only_portal_view_answers_every_persona_as_written(in_world):
    """The gates of the portal's POST-only views, which a GET (405) does not reach."""
    world, mismatches, cells, started = in_world, [], 0, time.monotonic()
    for name, rule in POSTS.items():
        url = reverse(name, kwargs=_fill(rule, world))
        data = rule.body(world) if rule.body else {}
        for persona in personas():
            want = expected(rule, persona, door="portal")
            response = _cell(world.clients[persona.name].post, url, data)
            cells += 1
            got = answer_class(response, want)
            if got != want:
                mismatches.append((f"POST {url} ({name})", persona.name, want, got))
    _report(mismatches, cells, time.monotonic() - started)


def _api_send(client: Client, method: str, url: str, rule: Rule, world: World, token: str):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method in ("GET", "DELETE") or rule.body is None:
        return client.generic(method, url, headers=headers)
    body = rule.body(world)
    if rule.multipart:
        upload = io.BytesIO(
            b"email,social_messaging,monitor_calls,monitor_sms\r\nm@example.com,No,off,off\r\n"
        )
        upload.name = "matrix.csv"
        return client.post(url, {**body, "file": upload}, headers=headers)
    return client.generic(
        method, url, json.dumps(body), content_type="application/json", headers=headers
    )


def _api_url(key: str, rule: Rule, world: World) -> tuple[str, str]:
    method, template = key.split(" ", 1)
    url = template.format(**_fill(rule, world))
    query = _query(rule, world)
    return method, f"{url}?{query}" if query else url


def test_every_api_operation_answers_every_persona_as_written(in_world):
    world, mismatches, cells, started = in_world, [], 0, time.monotonic()
    client = Client()
    people = personas() + [Persona("revoked", signed_in=False, token_valid=False)]
    for key, rule in API.items():
        method, url = _api_url(key, rule, world)
        for persona in people:
            token = world.tokens[persona.name]
            want = expected(rule, persona, door="api")
            response = _cell(_api_send, client, method, url, rule, world, token)
            cells += 1
            got = answer_class(response, want)
            if got != want:
                mismatches.append((f"{method} {url}", persona.name, want, got))
            elif response.status_code >= 400 and response["Content-Type"].startswith("text/html"):
                mismatches.append((f"{method} {url}", persona.name, "JSON error", "an HTML page"))
    _report(mismatches, cells, time.monotonic() - started)


def test_unsafe_operations_authenticate_before_reading_the_body(in_world):
    """A malformed body from a caller without a valid token is 401, never a validation answer;
    from a signed-in caller it is never a 5xx, and a 404 only where the URL names an object."""
    world, mismatches, client = in_world, [], Client()
    for key, rule in API.items():
        method, url = _api_url(key, rule, world)
        if method == "GET":
            continue
        for who in ("anonymous", "revoked", "b_admin", "only_setup"):
            token = world.tokens[who]
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = _cell(
                client.generic,
                method,
                url,
                '{"ids": "x", "numbers": 1}',
                content_type="application/json",
                headers=headers,
            )
            if rule.need == PUBLIC:
                ok = response.status_code in (400, 410, 422)
            elif who in ("anonymous", "revoked"):
                ok = response.status_code == 401
            elif rule.body is None:
                continue  # the operation reads no body: its cells are the matrix's
            else:  # some schemas take that body (unknown keys ignored): any answer but a 5xx
                ok = response.status_code < 500 and (
                    response.status_code != 404 or rule.obj in ("org", "own", "role")
                )
            if not ok:
                mismatches.append(f"{method} {url} {who}: {response.status_code}")
    assert not mismatches, "\n".join(mismatches)


def test_every_scim_endpoint_answers_every_token_as_written(in_world):
    """SCIM takes only SCIM tokens: an admin's API token (even the operator's) is 401 there."""
    world, mismatches, client, started = in_world, [], Client(), time.monotonic()
    callers = [
        ("org_a", world.scim_tokens["org_a"], Persona("scim org A", sees_a=True)),
        ("org_b", world.scim_tokens["org_b"], Persona("scim org B")),
        ("revoked", world.scim_tokens["revoked"], Persona("revoked", token_valid=False)),
        ("none", "", Persona("anonymous", token_valid=False)),
    ]
    callers += [
        (f"api token of {name}", world.tokens[name], Persona(name, token_valid=False))
        for name in ("operator", "full_a", "only_api_users")
    ]
    for name, rule in SCIM.items():
        url = reverse(name, kwargs=_fill(rule, world))
        for label, token, persona in callers:
            want = expected(rule, persona, door="scim")
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = _cell(client.get, url, headers=headers)
            got = answer_class(response, want)
            if got != want:
                mismatches.append((f"GET {url}", label, want, got))
    _report(mismatches, len(SCIM) * len(callers), time.monotonic() - started)
