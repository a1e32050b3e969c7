"""Admins, roles and API tokens."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from portal.access.models import AdminProfile, ApiToken, Privilege, Role, hash_token
from portal.access.scoping import (
    forget_scope,
    home_organization,
    is_operator,
    privileges_of,
    require_privilege,
    visible_organization_ids,
)
from portal.audit import services as audit
from portal.lib.errors import DomainError, Forbidden, NotFound
from portal.signin import services as signin

TOKEN_PREFIX = "ml_"


def _clean_privileges(privileges) -> list[str]:
    unknown = [p for p in privileges if p not in Privilege.values]
    if unknown:
        raise DomainError(f"Unknown privilege(s): {', '.join(unknown)}.", fields={"privileges": unknown})
    return [p for p in Privilege.values if p in privileges]


def admins_visible_to(user):
    """The admins `user` may see and manage: those whose whole scope lies inside `user`'s.

    The operator sees every admin, operators (superusers) included; nobody else sees an operator.
    """
    from portal.organizations.models import Organization

    User = get_user_model()
    ids = visible_organization_ids(user)
    if ids is None:
        return User.objects.filter(models.Q(admin__isnull=False) | models.Q(is_superuser=True))
    inside = User.objects.filter(admin__organizations__in=ids).values("pk")
    return (User.objects.filter(pk__in=inside, is_superuser=False)
            .exclude(admin__organizations__in=Organization.objects.exclude(pk__in=ids)))


def _check_grant(actor, *, role: Role | None = None, organizations=()) -> None:
    """An admin grants neither privileges it lacks nor organizations outside its scope."""
    if actor is None or is_operator(actor):
        return
    if role is not None:
        extra = set(role.privileges) - privileges_of(actor)
        if extra:
            labels = ", ".join(Privilege(p).label for p in Privilege.values if p in extra)
            raise Forbidden(f"The role “{role}” has privileges you do not have: {labels}.",
                            fields={"role": [f"privileges you lack: {labels}"]})
    ids = visible_organization_ids(actor) or set()
    outside = [o for o in organizations if o.pk not in ids]
    if outside:
        raise Forbidden("You can only grant organizations in your own scope.",
                        fields={"organizations": [f"outside your scope: {o.slug}" for o in outside]})


def _check_manages(actor, user) -> None:
    if actor is None or is_operator(actor):
        return
    if not admins_visible_to(actor).filter(pk=user.pk).exists():
        raise NotFound("No such admin.")


@transaction.atomic
def role_save(*, actor, name: str, privileges, role: Role | None = None) -> Role:
    """Create a role (or change `role`). An admin grants only privileges it holds itself, and
    changes only roles whose admins are all in its scope."""
    name = name.strip()
    if not name:
        raise DomainError("A role needs a name.", fields={"name": ["required"]})
    privileges = _clean_privileges(privileges)
    if actor is not None and not is_operator(actor):
        _check_grant(actor, role=Role(name=name, privileges=privileges))
        if role is not None:
            _check_grant(actor, role=role)
            outside = role.admins.exclude(user__in=admins_visible_to(actor))
            if outside.exists():
                raise Forbidden(f"The role “{role}” is used by admins outside your scope; create a new role instead.")
    if Role.objects.filter(name=name).exclude(pk=role.pk if role else None).exists():
        raise DomainError(f"A role named “{name}” exists already.", fields={"name": ["taken"]})
    created = role is None
    role = role or Role()
    role.name, role.privileges = name, privileges
    role.save()
    audit.record(actor=actor, action="role.create" if created else "role.update", target=role,
                 data={"privileges": role.privileges})
    return role


@transaction.atomic
def admin_create(*, actor, username: str, email: str, password: str, role: Role, organizations,
                 first_name: str = "", last_name: str = ""):
    User = get_user_model()
    username = username.strip()
    organizations = list(organizations)
    _check_grant(actor, role=role, organizations=organizations)
    if not username:
        raise DomainError("An admin needs a username.", fields={"username": ["required"]})
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(f"An admin named “{username}” exists already.", fields={"username": ["taken"]})
    if not organizations:
        raise DomainError("An admin needs at least one organization in scope.", fields={"organizations": ["required"]})
    user = User(username=username, email=email.strip(), first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), fields={"password": error.messages}) from None
    user.set_password(password)
    user.save()
    if actor is not None:  # Someone else chose it: the first sign-in asks for a new one.
        signin.mark_must_change(user)
    profile = AdminProfile.objects.create(user=user, role=role)
    profile.organizations.set(organizations)
    audit.record(actor=actor, action="admin.create", target=user, organization=home_organization(user),
                 data={"role": role.name, "organizations": [o.slug for o in organizations]})
    return user


@transaction.atomic
def admin_update(*, actor, user, role: Role, organizations, is_active: bool = True):
    """Change an admin's role, scope or active flag, within what `actor` may grant."""
    organizations = list(organizations)
    _check_manages(actor, user)
    _check_grant(actor, role=role, organizations=organizations)
    if actor is not None and actor.pk == user.pk and not is_active:
        raise DomainError("You cannot deactivate yourself.", fields={"is_active": ["yourself"]})
    if user.is_superuser:
        raise DomainError("An operator has every privilege in every organization; it has no role to change.")
    if not organizations:
        raise DomainError("An admin needs at least one organization in scope.", fields={"organizations": ["required"]})
    profile, _ = AdminProfile.objects.get_or_create(user=user, defaults={"role": role})
    profile.role = role
    profile.save()
    profile.organizations.set(organizations)
    forget_scope(user)
    if user.is_active != is_active:
        user.is_active = is_active
        user.save(update_fields=["is_active"])
    audit.record(actor=actor, action="admin.update", target=user, organization=home_organization(user),
                 data={"role": role.name, "organizations": [o.slug for o in organizations], "active": is_active})
    return user


def _check_token_owner(actor, user) -> None:
    """An admin manages its own tokens; with the API Users privilege, those of the admins it manages."""
    if actor is None or actor.pk == user.pk:
        return
    require_privilege(actor, Privilege.API_USERS)
    _check_manages(actor, user)


def token_issue(*, actor, user, name: str = "") -> tuple[ApiToken, str]:
    """A new bearer token for `user`. The token itself is returned once and never stored."""
    _check_token_owner(actor, user)
    if not user.is_active:
        raise DomainError(f"{user.get_username()} is deactivated; its tokens would not work.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip()[:80], key_hash=hash_token(raw), prefix=raw[:10])
    audit.record(actor=actor, action="api_token.issue", target=token, organization=home_organization(user),
                 data={"user": user.get_username(), "name": token.name})
    return token, raw


def token_revoke(*, actor, token: ApiToken) -> None:
    _check_token_owner(actor, token.user)
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        return
    audit.record(actor=actor, action="api_token.revoke", target=token,
                 organization=home_organization(token.user),
                 data={"user": token.user.get_username(), "name": token.name})


def token_user(raw: str):
    """The active user of a live token, or None. Marks the token used."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
