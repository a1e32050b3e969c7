"""Admins, roles and API tokens: the one place of their rules (portal, API and CLI alike).

The privilege model (docs/security.md, "Privilege model"):
- a role belongs to an organization (seen and assigned in that organization's subtree, changed by
  its admins) or to the operator (a template: every organization sees and assigns it; only the
  operator creates or changes it). No admin sees another tenant's roles;
- nobody grants beyond what it holds: a role with a privilege the actor lacks, an organization
  outside its scope, a change to an admin who holds a privilege the actor lacks;
- a token is issued to oneself, or (with API Users) to a service admin (`api_only`: no password,
  no portal sign-in) of one's scope whose privileges are all one's own; tokens expire.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

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
from portal.lib import emails
from portal.lib.dberrors import violated
from portal.lib.errors import DomainError, Forbidden, NotFound
from portal.lib.mail import DeliveryError
from portal.organizations.models import Organization
from portal.signin import services as signin

TOKEN_PREFIX = "ml_"


class MailUnavailable(DomainError):
    """The set-password email could not be sent: nothing was created."""

    status = 503

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("code", "mail_unavailable")
        super().__init__(message, **kwargs)


def privilege_labels(privileges) -> str:
    return ", ".join(str(Privilege(p).label) for p in Privilege.values if p in privileges)


def _clean_privileges(privileges) -> list[str]:
    unknown = [p for p in privileges if p not in Privilege.values]
    if unknown:
        raise DomainError(
            f"Unknown privilege(s): {', '.join(map(str, unknown))}.",
            fields={"privileges": [f"unknown: {p}" for p in unknown]},
        )
    return [p for p in Privilege.values if p in privileges]


def held_privileges(user) -> set[str]:
    """What `user`'s role grants, active or not (a deactivated admin keeps its role)."""
    if user.is_superuser:
        return set(Privilege.values)
    profile = getattr(user, "admin", None) if hasattr(user, "admin") else None
    return set(profile.role.privileges) if profile is not None else set()


# ---------------------------------------------------------------- roles


def roles_visible_to(user):
    """The roles `user` sees and may assign: the operator's templates, the roles of the
    organizations in its scope, and those of the organizations above its scope (which its own
    admins' roles may come from; usable in their subtree, changed only by their own admins).
    The operator sees every role."""
    ids = visible_organization_ids(user)
    if ids is None:
        return Role.objects.all()

    above = {
        i
        for org in Organization.objects.filter(pk__in=ids).only("path")
        for i in org.ancestors_and_self()
    }
    return Role.objects.filter(
        models.Q(organization__isnull=True) | models.Q(organization__in=above | ids)
    )


def role_editable_by(user, role: Role) -> bool:
    """The operator changes every role; an organization's admin, the roles of its scope only."""
    if is_operator(user):
        return True
    if role.organization_id is None:
        return False
    return role.organization_id in (visible_organization_ids(user) or set())


def check_role_change(actor, role: Role) -> None:
    if actor is None or is_operator(actor):
        return
    if not roles_visible_to(actor).filter(pk=role.pk).exists():
        raise NotFound(_("No such role."))
    if role.organization_id is None:
        raise Forbidden(
            _(
                "“%(role)s” is an operator template: organizations use it as it is. "
                "Create a role of your organization instead."
            )
            % {"role": role}
        )
    if not role_editable_by(actor, role):
        raise Forbidden(
            _(
                "“%(role)s” belongs to %(organization)s, above your scope; "
                "only its admins change it."
            )
            % {"role": role, "organization": role.organization}
        )


@transaction.atomic
def role_save(*, actor, name: str, privileges, role: Role | None = None, organization=None) -> Role:
    """Create a role of `organization` (None: an operator template), or change `role`'s name and
    privileges (a role never moves to another organization). An admin grants only privileges it
    holds itself, creates roles only for organizations in its scope, and changes only roles of
    its scope whose admins are all in its scope."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("A role needs a name."), fields={"name": ["required"]})
    if len(name) > 80:
        raise DomainError(
            _("A role's name has at most 80 characters."), fields={"name": ["too long"]}
        )
    privileges = _clean_privileges(privileges)
    created = role is None
    if created:
        role = Role(organization=organization)
    operator = actor is None or is_operator(actor)
    if not operator:
        if created:
            if organization is None:
                raise Forbidden(
                    _("Only the operator creates role templates; choose an organization."),
                    fields={"organization": ["required"]},
                )
            ids = visible_organization_ids(actor) or set()
            if organization.pk not in ids:
                raise NotFound(
                    _("No such organization."), fields={"organization": ["not in your scope"]}
                )
        else:
            check_role_change(actor, role)
            _check_grant(actor, role=role)
            outside = role.admins.exclude(user__in=admins_visible_to(actor))
            if outside.exists():
                raise Forbidden(
                    _(
                        "The role “%(role)s” is used by admins outside your scope; "
                        "create a new role instead."
                    )
                    % {"role": role}
                )
        _check_grant(actor, role=Role(name=name, privileges=privileges))
    taken = Role.objects.filter(name__iexact=name, organization=role.organization_id)
    if taken.exclude(pk=role.pk).exists():
        message = (
            _("A role named “%(name)s” exists already in %(organization)s.")
            if role.organization_id
            else _("A role named “%(name)s” exists already among the templates.")
        )
        raise DomainError(
            message % {"name": name, "organization": role.organization},
            fields={"name": ["taken"]},
        )
    before = None if created else {"name": role.name, "privileges": list(role.privileges)}
    role.name, role.privileges = name, privileges
    try:
        with (
            transaction.atomic()
        ):  # A simultaneous save of the same name loses here, not with a 500.
            role.save()
    except IntegrityError as error:
        if violated(error, Role) not in ("role_name_per_organization", "role_template_name"):
            raise
        raise DomainError(
            _("A role named “%(name)s” exists already.") % {"name": name},
            fields={"name": ["taken"]},
        ) from None
    if not created:
        for profile in role.admins.select_related("user"):
            forget_scope(profile.user)
    data = {"privileges": role.privileges, "template": role.organization_id is None}
    if before is not None:
        data["before"] = before
    audit.record(
        actor=actor,
        action="role.create" if created else "role.update",
        target=role,
        organization=role.organization,
        data=data,
    )
    return role


# ---------------------------------------------------------------- admins


def admins_visible_to(user):
    """The admins `user` may see: those whose whole scope lies inside `user`'s.

    The operator sees every admin, operators (superusers) included; nobody else sees an operator.
    """
    User = get_user_model()
    ids = visible_organization_ids(user)
    if ids is None:
        return User.objects.filter(models.Q(admin__isnull=False) | models.Q(is_superuser=True))
    inside = User.objects.filter(admin__organizations__in=ids).values("pk")
    return User.objects.filter(pk__in=inside, is_superuser=False).exclude(
        admin__organizations__in=Organization.objects.exclude(pk__in=ids)
    )


def lacking(actor, user) -> set[str]:
    """The privileges `user` holds that `actor` does not (none for the operator or the CLI)."""
    if actor is None or is_operator(actor):
        return set()
    return held_privileges(user) - privileges_of(actor)


def _check_grant(actor, *, role: Role | None = None, organizations=()) -> None:
    """An admin grants neither privileges it lacks, nor a role it cannot see, nor organizations
    outside its scope; nobody grants a role of an organization outside that organization's
    subtree."""
    organizations = list(organizations)
    if role is not None and role.organization_id is not None and organizations:
        home = role.organization
        outside = [o for o in organizations if home.pk not in o.ancestors_and_self()]
        if outside:
            raise DomainError(
                _(
                    "The role “%(role)s” belongs to %(organization)s; "
                    "it is usable only there and below."
                )
                % {"role": role, "organization": home},
                fields={"role": [f"not usable in {', '.join(o.slug for o in outside)}"]},
            )
    if actor is None or is_operator(actor):
        return
    if role is not None:
        if role.pk and not roles_visible_to(actor).filter(pk=role.pk).exists():
            raise NotFound(_("No such role."), fields={"role": ["no such role"]})
        extra = set(role.privileges) - privileges_of(actor)
        if extra:
            labels = privilege_labels(extra)
            raise Forbidden(
                _("The role “%(role)s” has privileges you do not have: %(privileges)s.")
                % {"role": role, "privileges": labels},
                fields={"role": [f"privileges you lack: {labels}"]},
            )
    ids = visible_organization_ids(actor) or set()
    outside = [o for o in organizations if o.pk not in ids]
    if outside:
        raise Forbidden(
            _("You can only grant organizations in your own scope."),
            fields={"organizations": [f"outside your scope: {o.slug}" for o in outside]},
        )


def _check_manages(actor, user) -> None:
    """`actor` changes `user` only when it sees `user` and holds every privilege `user` holds."""
    if actor is None or is_operator(actor):
        return
    if not admins_visible_to(actor).filter(pk=user.pk).exists():
        raise NotFound(_("No such admin."))
    extra = lacking(actor, user)
    if extra:
        raise Forbidden(
            _(
                "%(username)s holds privileges you do not have (%(privileges)s); only an admin "
                "holding them can change it."
            )
            % {"username": user.get_username(), "privileges": privilege_labels(extra)}
        )


def manageable_admin_ids(actor) -> set[int] | None:
    """The admins `actor` may change (None: every one)."""
    if actor is None or is_operator(actor):
        return None
    mine = privileges_of(actor)
    users = admins_visible_to(actor).select_related("admin__role")
    return {u.pk for u in users if held_privileges(u) <= mine}


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        raise DomainError(_("An admin needs an email address."), fields={"email": ["required"]})
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(
            _("“%(email)s” is not an email address.") % {"email": email},
            fields={"email": ["invalid"]},
        ) from None
    return email


def set_password_link(user) -> str:
    """A link to choose a password, valid until used or PASSWORD_RESET_TIMEOUT passes."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.PUBLIC_URL + reverse("set_password", args=[uid, token])


def send_set_password_email(user, *, by) -> None:
    context = {
        "name": user.get_full_name() or user.get_username(),
        "username": user.get_username(),
        "by": by,
        "link": set_password_link(user),
        "days": max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400)),
    }
    try:
        profile = getattr(user, "admin", None)  # In the new admin's language, not the creator's.
        emails.set_password(
            to=user.email, context=context, language=profile.language if profile else ""
        )
    except DeliveryError as error:  # The admin is not created (the caller's transaction).
        raise MailUnavailable(
            f"The set-password email to {user.email} could not be sent "
            f"({error.reason}); the admin was not created. Try again, "
            "or give a password.",
            fields={"email": ["not delivered"]},
        ) from None


@transaction.atomic
def admin_create(
    *,
    actor,
    username: str,
    email: str,
    password: str | None = None,
    role: Role,
    organizations,
    first_name: str = "",
    last_name: str = "",
    api_only: bool = False,
):
    """A new admin. With a password it signs in with it; without one it gets an email with a link
    to choose one; a service admin (`api_only`) has no password at all and uses only API tokens."""
    User = get_user_model()
    username = (username or "").strip()
    organizations = list(organizations)
    _check_grant(actor, role=role, organizations=organizations)
    if not username:
        raise DomainError(_("An admin needs a username."), fields={"username": ["required"]})
    if len(username) > 150:
        raise DomainError(
            _("A username has at most 150 characters."), fields={"username": ["too long"]}
        )
    taken = User.objects.filter(username__iexact=username).first()
    if taken is not None:
        # Usernames are unique across tenants: another tenant's admin is only "not available".
        mine = actor is None or admins_visible_to(actor).filter(pk=taken.pk).exists()
        raise DomainError(
            _("An admin named “%(username)s” exists already.") % {"username": username}
            if mine
            else _("This username is not available."),
            fields={"username": ["taken"]},
        )
    if not organizations:
        raise DomainError(
            _("An admin needs at least one organization in scope."),
            fields={"organizations": ["required"]},
        )
    email = _clean_email(email)
    user = User(
        username=username,
        email=email,
        first_name=(first_name or "").strip()[:150],
        last_name=(last_name or "").strip()[:150],
    )
    if api_only and password:
        raise DomainError(
            _("A service admin has no password: it signs in only with API tokens."),
            fields={"password": ["not for a service admin"]},
        )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise DomainError(
                " ".join(error.messages), fields={"password": error.messages}
            ) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if password and actor is not None:  # Someone else chose it: changed at the first sign-in.
        signin.mark_must_change(user)
    profile = AdminProfile.objects.create(user=user, role=role, api_only=api_only)
    profile.organizations.set(organizations)
    how = "service" if api_only else "password" if password else "email"
    audit.record(
        actor=actor,
        action="admin.create",
        target=user,
        organization=home_organization(user),
        data={"role": role.name, "organizations": [o.slug for o in organizations], "password": how},
    )
    if how == "email":
        by = actor.get_username() if actor is not None else "The operator"
        send_set_password_email(user, by=by)
    return user


@transaction.atomic
def admin_update(
    *,
    actor,
    user,
    role: Role | None = None,
    organizations=None,
    is_active: bool | None = None,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
):
    """Change an admin's role, scope, active flag, email or names (None keeps each as it is),
    within what `actor` may grant, and only for an admin whose privileges `actor` all holds."""
    _check_manages(actor, user)
    if user.is_superuser:
        raise DomainError(
            _("An operator has every privilege in every organization; it has no role to change.")
        )
    profile = getattr(user, "admin", None) if hasattr(user, "admin") else None
    if profile is None and role is None:
        raise DomainError(_("Give the admin a role."), fields={"role": ["required"]})
    role = role if role is not None else profile.role
    organizations = (
        list(organizations) if organizations is not None else list(profile.organizations.all())
    )
    _check_grant(actor, role=role, organizations=organizations)
    if actor is not None and actor.pk == user.pk and is_active is False:
        raise DomainError(_("You cannot deactivate yourself."), fields={"is_active": ["yourself"]})
    if not organizations:
        raise DomainError(
            _("An admin needs at least one organization in scope."),
            fields={"organizations": ["required"]},
        )
    changed = {}
    if email is not None:
        email = _clean_email(email)
        if email != user.email:
            changed["email"], user.email = email, email
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if value is not None and value.strip()[:150] != getattr(user, field):
            changed[field] = value.strip()[:150]
            setattr(user, field, changed[field])
    if is_active is not None and user.is_active != is_active:
        changed["is_active"], user.is_active = is_active, is_active
    if changed:
        user.save(update_fields=list(changed))
    if profile is None:
        profile = AdminProfile.objects.create(user=user, role=role)
    elif profile.role_id != role.pk:
        profile.role = role
        profile.save(update_fields=["role"])
    profile.organizations.set(organizations)
    forget_scope(user)
    audit.record(
        actor=actor,
        action="admin.update",
        target=user,
        organization=home_organization(user),
        data={
            "role": role.name,
            "organizations": [o.slug for o in organizations],
            "active": user.is_active,
            **{k: v for k, v in changed.items() if k != "is_active"},
        },
    )
    return user


# ---------------------------------------------------------------- API tokens


def token_holders(actor):
    """Whose tokens `actor` issues, lists and revokes: its own; with API Users, also those of the
    service admins of its scope whose privileges it all holds. The operator: every admin's."""
    User = get_user_model()
    if is_operator(actor):
        return admins_visible_to(actor)
    if not has_api_users(actor):
        return User.objects.filter(pk=actor.pk)
    mine = privileges_of(actor)
    services = admins_visible_to(actor).filter(admin__api_only=True).select_related("admin__role")
    ids = {u.pk for u in services if held_privileges(u) <= mine}
    return User.objects.filter(pk__in=ids | {actor.pk})


def has_api_users(user) -> bool:
    return Privilege.API_USERS in privileges_of(user)


def _check_token_owner(actor, user) -> None:
    """A token is for oneself, or (with API Users) for a service admin of one's scope whose
    privileges one all holds. The CLI without --as and the operator issue any admin's."""
    if actor is None or actor.pk == user.pk or is_operator(actor):
        return
    require_privilege(actor, Privilege.API_USERS)
    if not admins_visible_to(actor).filter(pk=user.pk).exists():
        raise NotFound(_("No such admin."), fields={"admin": ["no such admin in your scope"]})
    profile = getattr(user, "admin", None) if hasattr(user, "admin") else None
    if profile is None or not profile.api_only:
        raise Forbidden(
            _("%(username)s is not a service admin: only it can issue its own tokens.")
            % {"username": user.get_username()},
            fields={"admin": ["not a service admin"]},
        )
    extra = lacking(actor, user)
    if extra:
        raise Forbidden(
            _("%(username)s holds privileges you do not have (%(privileges)s).")
            % {"username": user.get_username(), "privileges": privilege_labels(extra)},
            fields={"admin": [f"privileges you lack: {privilege_labels(extra)}"]},
        )


def token_lifetime(days) -> timedelta:
    """`days` (None: API_TOKEN_DEFAULT_DAYS) as a lifetime, 1 to API_TOKEN_MAX_DAYS days."""
    longest = settings.API_TOKEN_MAX_DAYS
    if days is None or days == "":
        days = settings.API_TOKEN_DEFAULT_DAYS
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= longest:
        raise DomainError(
            _("A token lives 1 to %(days)s days.") % {"days": longest},
            fields={"expires_in_days": [f"a whole number from 1 to {longest}"]},
        )
    return timedelta(days=days)


def token_issue(
    *, actor, user, name: str = "", expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new bearer token for `user`. The token itself is returned once and never stored."""
    _check_token_owner(actor, user)
    lifetime = token_lifetime(expires_in_days)
    if not user.is_active:
        raise DomainError(
            _("%(username)s is deactivated; its tokens would not work.")
            % {"username": user.get_username()},
            fields={"admin": ["deactivated"]},
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[:80],
        key_hash=hash_token(raw),
        prefix=raw[:10],
        expires_at=timezone.now() + lifetime,
    )
    audit.record(
        actor=actor,
        action="api_token.issue",
        target=token,
        organization=home_organization(user),
        data={
            "user": user.get_username(),
            "name": token.name,
            "expires_at": token.expires_at.isoformat(timespec="seconds"),
        },
    )
    return token, raw


def token_revoke(*, actor, token: ApiToken) -> None:
    _check_token_owner(actor, token.user)
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        return
    audit.record(
        actor=actor,
        action="api_token.revoke",
        target=token,
        organization=home_organization(token.user),
        data={"user": token.user.get_username(), "name": token.name},
    )


def token_user(raw: str):
    """The active user of a live (neither revoked nor expired) token, or None. Marks it used."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
