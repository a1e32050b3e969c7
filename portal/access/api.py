"""Roles, admins and API tokens (/api/v1/roles, /api/v1/admins, /api/v1/tokens): the Admins & Roles
and API tokens screens of the portal, through the same services and rules.

Roles and admins need the Administrators privilege. Tokens need only being an admin for one's own;
a service admin's tokens need API Users (portal.access.services.token_holders). What lies outside
the caller's scope (another tenant's roles, admins, tokens) is not found.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema
from pydantic import Field, StrictBool, StrictInt

from portal.access import services
from portal.access.models import ApiToken, Privilege, Role
from portal.access.scoping import require_privilege
from portal.lib.errors import DomainError, ErrorOut, NotFound
from portal.organizations.models import Organization

roles_router = Router(tags=["admins and roles"])
admins_router = Router(tags=["admins and roles"])
tokens_router = Router(tags=["API tokens"])


# ---------------------------------------------------------------- shared lookups


def _organizations(user, slugs: list[str], field: str = "organizations") -> list[Organization]:
    found = {o.slug: o for o in Organization.objects.visible_to(user).filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise DomainError(
            f"No such organization in your scope: {', '.join(missing)}.",
            fields={field: [f"no such organization: {s}" for s in missing]},
        )
    return [found[s] for s in dict.fromkeys(slugs)]


def _role(user, value: int | str) -> Role:
    """A role the caller sees, by id or by name (a name both a template and an organization's
    role carry must be given by id)."""
    roles = services.roles_visible_to(user).select_related("organization")
    if isinstance(value, int):
        found = list(roles.filter(pk=value))
    else:
        found = list(roles.filter(name__iexact=value.strip()))
    if not found:
        raise DomainError(f"No such role: {value}.", fields={"role": ["no such role"]})
    if len(found) > 1:
        raise DomainError(
            f"Several roles are named “{value}”; give its id.",
            fields={"role": [f"ambiguous: ids {', '.join(str(r.pk) for r in found)}"]},
        )
    return found[0]


# ---------------------------------------------------------------- roles


class RoleOut(Schema):
    id: int
    name: str
    organization: str | None = Field(
        description="Slug of its organization; null: operator template"
    )
    privileges: list[str]
    editable: bool = Field(description="Whether you may change it")


class RoleIn(Schema):
    name: str
    organization: str | None = Field(
        None,
        description="Slug of an organization in your scope; null makes an operator template "
        "(operator only)",
    )
    privileges: list[str] = Field(
        default_factory=list, description=f"Codes: {', '.join(Privilege.values)}"
    )


class RoleChange(Schema):
    name: str | None = None
    privileges: list[str] | None = None


def role_out(user, role: Role) -> dict:
    return {
        "id": role.pk,
        "name": role.name,
        "organization": role.organization.slug if role.organization_id else None,
        "privileges": list(role.privileges),
        "editable": services.role_editable_by(user, role),
    }


@roles_router.post(
    "", response={201: RoleOut}, summary="Create a role of an organization (or a template)"
)
def create_role(request, payload: RoleIn):
    require_privilege(request.user, Privilege.ADMINISTRATORS)
    organization = None
    if payload.organization is not None:
        organization = _organizations(request.user, [payload.organization], "organization")[0]
    role = services.role_save(
        actor=request.user,
        name=payload.name,
        privileges=payload.privileges,
        organization=organization,
    )
    return 201, role_out(request.user, role)


@roles_router.get(
    "", response=list[RoleOut], summary="The roles you see: templates and your organizations'"
)
def list_roles(request):
    require_privilege(request.user, Privilege.ADMINISTRATORS)
    roles = (
        services.roles_visible_to(request.user)
        .select_related("organization")
        .order_by("name", "pk")
    )
    return [role_out(request.user, r) for r in roles]


@roles_router.patch(
    "/{int:role_id}", response=RoleOut, summary="Rename a role or change its privileges"
)
def change_role(request, role_id: int, payload: RoleChange):
    require_privilege(request.user, Privilege.ADMINISTRATORS)
    role = (
        services.roles_visible_to(request.user)
        .select_related("organization")
        .filter(pk=role_id)
        .first()
    )
    if role is None:
        raise NotFound("No such role.")
    role = services.role_save(
        actor=request.user,
        role=role,
        name=payload.name if payload.name is not None else role.name,
        privileges=payload.privileges if payload.privileges is not None else role.privileges,
    )
    return role_out(request.user, role)


# ---------------------------------------------------------------- admins


class AdminOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    operator: bool
    role: int | None = Field(description="Role id; null for the operator")
    role_name: str | None
    organizations: list[str]
    is_active: bool
    api_only: bool = Field(description="A service admin: API tokens only, no portal sign-in")
    last_login: datetime | None


class AdminIn(Schema):
    username: str
    email: str
    password: str | None = Field(
        None, description="Optional: without it the admin gets an email with a link to choose one"
    )
    first_name: str = ""
    last_name: str = ""
    role: StrictInt | str = Field(description="Role id, or its name")
    organizations: list[str] = Field(description="Slugs of organizations in your scope")
    api_only: StrictBool = Field(False, description="A service admin: no password, API tokens only")


class AdminChange(Schema):
    role: StrictInt | str | None = None
    organizations: list[str] | None = None
    is_active: StrictBool | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None


def admin_out(user) -> dict:
    profile = getattr(user, "admin", None) if hasattr(user, "admin") else None
    return {
        "id": user.pk,
        "username": user.get_username(),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "operator": user.is_superuser,
        "role": profile.role_id if profile else None,
        "role_name": profile.role.name if profile else None,
        "organizations": sorted(o.slug for o in profile.organizations.all()) if profile else [],
        "is_active": user.is_active,
        "api_only": bool(profile and profile.api_only),
        "last_login": user.last_login,
    }


def _visible_admin(request, admin_id: int):
    admin = (
        services.admins_visible_to(request.user)
        .select_related("admin__role")
        .prefetch_related("admin__organizations")
        .filter(pk=admin_id)
        .first()
    )
    if admin is None:
        raise NotFound("No such admin.")
    return admin


@admins_router.post(
    "",
    response={201: AdminOut, 503: ErrorOut},
    summary="Create an admin (503: its set-password email could not be sent)",
)
def create_admin(request, payload: AdminIn):
    require_privilege(request.user, Privilege.ADMINISTRATORS)
    user = services.admin_create(
        actor=request.user,
        username=payload.username,
        email=payload.email,
        password=payload.password,
        role=_role(request.user, payload.role),
        organizations=_organizations(request.user, payload.organizations),
        first_name=payload.first_name,
        last_name=payload.last_name,
        api_only=payload.api_only,
    )
    return 201, admin_out(user)


@admins_router.get(
    "", response=list[AdminOut], summary="The admins whose whole scope lies in yours"
)
def list_admins(request):
    require_privilege(request.user, Privilege.ADMINISTRATORS)
    admins = (
        services.admins_visible_to(request.user)
        .select_related("admin__role")
        .prefetch_related("admin__organizations")
        .order_by("username")
    )
    return [admin_out(a) for a in admins]


@admins_router.patch(
    "/{int:admin_id}",
    response=AdminOut,
    summary="Change an admin's role, scope, active flag, email or names",
)
def change_admin(request, admin_id: int, payload: AdminChange):
    require_privilege(request.user, Privilege.ADMINISTRATORS)
    admin = _visible_admin(request, admin_id)
    user = services.admin_update(
        actor=request.user,
        user=admin,
        role=_role(request.user, payload.role) if payload.role is not None else None,
        organizations=(
            _organizations(request.user, payload.organizations)
            if payload.organizations is not None
            else None
        ),
        is_active=payload.is_active,
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
    )
    return admin_out(_visible_admin(request, user.pk))


# ---------------------------------------------------------------- tokens


class TokenOut(Schema):
    id: int
    admin: str
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it")
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIssued(TokenOut):
    token: str = Field(description="The bearer token: shown this once, never again")


class TokenIn(Schema):
    admin: str | None = Field(
        None,
        description="Username: yourself (the default), or a service admin "
        "of your scope (needs API Users)",
    )
    name: str = Field("", max_length=80)
    expires_in_days: StrictInt | None = Field(
        None, description="1 to API_TOKEN_MAX_DAYS (365); default API_TOKEN_DEFAULT_DAYS (90)"
    )


def token_out(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "admin": token.user.get_username(),
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


@tokens_router.post("", response={201: TokenIssued}, summary="Issue an API token (shown once)")
def issue_token(request, payload: TokenIn):
    user = request.user
    if payload.admin is not None and payload.admin.strip().lower() != user.get_username().lower():
        user = (
            services.admins_visible_to(request.user)
            .filter(username__iexact=payload.admin.strip())
            .first()
        )
        if user is None:
            raise NotFound("No such admin.", fields={"admin": ["no such admin in your scope"]})
    token, raw = services.token_issue(
        actor=request.user, user=user, name=payload.name, expires_in_days=payload.expires_in_days
    )
    return 201, {**token_out(token), "token": raw}


@tokens_router.get("", response=list[TokenOut], summary="Your tokens (and your service admins')")
def list_tokens(request):
    tokens = (
        ApiToken.objects.filter(user__in=services.token_holders(request.user))
        .select_related("user")
        .order_by("-created_at", "-pk")
    )
    return [token_out(t) for t in tokens]


@tokens_router.delete("/{int:token_id}", response={204: None}, summary="Revoke a token")
def revoke_token(request, token_id: int):
    token = (
        ApiToken.objects.filter(user__in=services.token_holders(request.user), pk=token_id)
        .select_related("user")
        .first()
    )
    if token is None:
        raise NotFound("No such token.")
    services.token_revoke(actor=request.user, token=token)
    return 204, None
