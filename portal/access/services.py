"""Admins, roles and API tokens."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.access.models import AdminProfile, ApiToken, Privilege, Role, hash_token
from portal.audit import services as audit
from portal.lib.errors import DomainError

TOKEN_PREFIX = "ml_"


def _clean_privileges(privileges) -> list[str]:
    unknown = [p for p in privileges if p not in Privilege.values]
    if unknown:
        raise DomainError(f"Unknown privilege(s): {', '.join(unknown)}.", fields={"privileges": unknown})
    return [p for p in Privilege.values if p in privileges]


@transaction.atomic
def role_save(*, actor, name: str, privileges, role: Role | None = None) -> Role:
    name = name.strip()
    if not name:
        raise DomainError("A role needs a name.", fields={"name": ["required"]})
    if Role.objects.filter(name=name).exclude(pk=role.pk if role else None).exists():
        raise DomainError(f"A role named “{name}” exists already.", fields={"name": ["taken"]})
    created = role is None
    role = role or Role()
    role.name, role.privileges = name, _clean_privileges(privileges)
    role.save()
    audit.record(actor=actor, action="role.create" if created else "role.update", target=role,
                 data={"privileges": role.privileges})
    return role


@transaction.atomic
def admin_create(*, actor, username: str, email: str, password: str, role: Role, organizations,
                 first_name: str = "", last_name: str = ""):
    User = get_user_model()
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(f"An admin named “{username}” exists already.", fields={"username": ["taken"]})
    organizations = list(organizations)
    if not organizations:
        raise DomainError("An admin needs at least one organization in scope.", fields={"organizations": ["required"]})
    user = User(username=username, email=email.strip(), first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), fields={"password": error.messages}) from None
    user.set_password(password)
    user.save()
    profile = AdminProfile.objects.create(user=user, role=role)
    profile.organizations.set(organizations)
    audit.record(actor=actor, action="admin.create", target=user, organization=organizations[0],
                 data={"role": role.name, "organizations": [o.slug for o in organizations]})
    return user


@transaction.atomic
def admin_update(*, actor, user, role: Role, organizations, is_active: bool = True):
    organizations = list(organizations)
    if not organizations:
        raise DomainError("An admin needs at least one organization in scope.", fields={"organizations": ["required"]})
    profile, _ = AdminProfile.objects.get_or_create(user=user, defaults={"role": role})
    profile.role = role
    profile.save()
    profile.organizations.set(organizations)
    if user.is_active != is_active:
        user.is_active = is_active
        user.save(update_fields=["is_active"])
    audit.record(actor=actor, action="admin.update", target=user, organization=organizations[0],
                 data={"role": role.name, "organizations": [o.slug for o in organizations], "active": is_active})
    return user


def token_issue(*, actor, user, name: str = "") -> tuple[ApiToken, str]:
    """A new bearer token for `user`. The token itself is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip()[:80], key_hash=hash_token(raw), prefix=raw[:10])
    audit.record(actor=actor, action="api_token.issue", target=token, data={"user": user.get_username()})
    return token, raw


def token_revoke(*, actor, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(actor=actor, action="api_token.revoke", target=token, data={"user": token.user.get_username()})


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
