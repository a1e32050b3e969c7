"""SCIM provisioning: tokens, and identity providers' users and groups turned into calls of the
same account and permission-group services the portal uses (rules, capacity, audit).

A SCIM request acts as the admin who issued its token, through the `scim` channel of the audit
log, and only inside the token's organization.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.access.models import Privilege, hash_token
from portal.access.scoping import has_privilege, visible_organization_ids
from portal.accounts.lifecycle import (
    account_edit,
    accounts_delete,
    accounts_reactivate,
    accounts_suspend,
)
from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.audit import services as audit
from portal.lib.errors import Conflict, DomainError, Forbidden, NotFound
from portal.lib.phones import looks_like_phone
from portal.organizations.models import Language
from portal.permissions.models import PermissionGroup
from portal.permissions.services import (
    default_group,
    permission_group_create,
    permission_group_delete,
    permission_group_rename,
)
from portal.scim import schemas
from portal.scim.models import ScimGroup, ScimToken, ScimUser

TOKEN_PREFIX = "scim_"
LAST_USED_EVERY = timedelta(minutes=1)


class ScimError(DomainError):
    """A refusal in SCIM's terms: its HTTP status and scimType (RFC 7644 §3.12)."""

    def __init__(self, message: str, *, status: int = 400, scim_type: str | None = "invalidValue"):
        super().__init__(message, code=scim_type or "invalid")
        self.status = status
        self.scim_type = scim_type


# ---------------------------------------------------------------- tokens


def _check_issuer(actor, organization) -> None:
    if not has_privilege(actor, Privilege.API_USERS):
        raise Forbidden("Issuing a SCIM token needs the API Users privilege.")
    visible = visible_organization_ids(actor)
    if visible is not None and organization.pk not in visible:
        raise NotFound()


def scim_token_issue(
    *, actor, organization, name: str = "", invite: bool = True, expires_in_days: int | None = None
) -> tuple[ScimToken, str]:
    """A new token for `organization`'s SCIM endpoint; the secret is returned once, never kept."""
    _check_issuer(actor, organization)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ScimToken.objects.create(
        organization=organization,
        name=name.strip()[:80],
        key_hash=hash_token(raw),
        prefix=raw[:12],
        invite=invite,
        created_by=actor,
        expires_at=expires,
    )
    audit.record(
        actor=actor,
        action="scim_token.issue",
        target=token,
        organization=organization,
        data={
            "name": token.name,
            "invite": invite,
            "expires_at": expires.isoformat() if expires else None,
        },
    )
    return token, raw


def scim_token_revoke(*, actor, token: ScimToken) -> None:
    if ScimToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        audit.record(
            actor=actor,
            action="scim_token.revoke",
            target=token,
            organization=token.organization,
            data={"name": token.name},
        )


def token_for(raw: str) -> ScimToken | None:
    """The live token for a bearer secret, while its issuer
    may still do what it lets a client do."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = (
        ScimToken.objects.select_related("organization", "created_by")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or (token.expires_at and token.expires_at <= now):
        return None
    issuer = token.created_by
    if not issuer.is_active or not all(
        has_privilege(issuer, p) for p in (Privilege.API_USERS, Privilege.ACCOUNTS)
    ):
        return None
    visible = visible_organization_ids(issuer)
    if visible is not None and token.organization_id not in visible:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# ---------------------------------------------------------------- users: account <-> SCIM

_LANGUAGE_NAMES = {label.lower(): code for code, label in Language.choices}


def language_code(tag: str | None) -> str:
    """An account language from a language tag (en, en-GB, it_IT) or name (Italian); '' for none."""
    tag = (tag or "").strip()
    if not tag:
        return ""
    primary = tag.replace("_", "-").split("-")[0].lower()
    code = primary if primary in Language.values else _LANGUAGE_NAMES.get(tag.lower())
    if code is None:
        raise ScimError(
            f"preferredLanguage “{tag}” is not one of "
            f"{', '.join(Language.values)} (English, Italian, German, French, Spanish)."
        )
    return code


def _dump_items(items) -> list[dict]:
    return [
        item.model_dump(scim_ctx=None, exclude_none=True, by_alias=True, mode="json")
        for item in items or []
    ]


def _contact(user: schemas.User) -> str:
    """Where invitations go: the primary (else first) email,
    else the mobile number, else userName."""
    emails = [e for e in user.emails or [] if e.value]
    primary = next((e for e in emails if e.primary), emails[0] if emails else None)
    if primary is not None:
        return primary.value
    mobiles = [
        p for p in user.phone_numbers or [] if p.value and (p.type or "").lower() == "mobile"
    ]
    if mobiles:
        return mobiles[0].value
    return (user.user_name or "").strip()


def _work_number(user: schemas.User) -> str | None:
    work = [p for p in user.phone_numbers or [] if p.value and (p.type or "").lower() == "work"]
    return work[0].value if work else None


SETTING_DEFAULTS = {
    "social_messaging": False,
    "monitor_calls": "off",
    "monitor_sms": "off",
    "forwarding_number": "",
}


def account_data(user: schemas.User, *, account: Account | None = None) -> dict[str, Any]:
    """The values of Add Account (or of an edit) that a SCIM User carries."""
    data: dict[str, Any] = {
        "first_name": (user.name.given_name if user.name else None) or "",
        "last_name": (user.name.family_name if user.name else None) or "",
        "email": _contact(user),
        "language": language_code(user.preferred_language),
    }
    settings = (
        user[schemas.MultiLineUser]
        if schemas.MULTILINE_SCHEMA in (user.schemas or []) or _has_extension(user)
        else None
    )
    if settings is not None:  # On an edit, a setting the extension leaves out takes its default.
        for name, default in SETTING_DEFAULTS.items():
            value = getattr(settings, name)
            if value is not None or account is not None:
                data[name] = default if value is None else getattr(value, "value", value)
    work = _work_number(user)
    current = account.number.e164 if account is not None and account.number_id else None
    if work and work != current:
        data["multiline_number"] = work
    elif account is not None:
        data["multiline_number"] = current
    return data


def _has_extension(user: schemas.User) -> bool:
    try:
        settings = user[schemas.MultiLineUser]
    except KeyError:
        return False
    return settings is not None and bool(settings.model_fields_set - {"schemas"})


# What a PATCH may unassign although the account always has a value: the default then stands.
EXTENSION_DEFAULTS = ("social_messaging", "monitor_calls", "monitor_sms")
DEFAULTS = {"active": True, **{name: SETTING_DEFAULTS[name] for name in EXTENSION_DEFAULTS}}


def assigned(user: schemas.User) -> set[str]:
    """Which of DEFAULTS' attributes `user` carries a value for."""
    names = {"active"} if user.active is not None else set()
    if _has_extension(user):
        settings = user[schemas.MultiLineUser]
        names |= {n for n in EXTENSION_DEFAULTS if getattr(settings, n) is not None}
    return names


def _identity_values(user: schemas.User) -> dict[str, Any]:
    return {
        "user_name": (user.user_name or "").strip()[:254],
        "external_id": (user.external_id or "")[:254],
        "preferred_language": (user.preferred_language or "")[:35],
        "emails": _dump_items(user.emails),
        "phone_numbers": _dump_items(user.phone_numbers),
    }


def user_resource(account: Account, *, base_url: str) -> schemas.User:
    """The account as a SCIM User; what the identity provider sent is given back as sent."""
    identity = getattr(account, "scim", None)
    if identity is None:
        identity = ScimUser(
            account=account, organization_id=account.organization_id, user_name=account.contact
        )
    emails = [dict(e) for e in identity.emails]
    known = {(e.get("value") or "").lower() for e in emails} | {identity.user_name.lower()}
    if not account.email:
        emails = []
    elif account.email.lower() not in known:  # Changed in the portal: the account's email wins.
        emails = [{"value": account.email, "type": "work", "primary": True}]
    phones = [dict(p) for p in identity.phone_numbers]
    if account.number_id and not any(p.get("value") == account.number.e164 for p in phones):
        phones.append({"value": account.number.e164, "type": "work"})
    if (
        account.device_number
        and account.device_number != identity.user_name
        and not any(p.get("value") == account.device_number for p in phones)
    ):
        phones.append({"value": account.device_number, "type": "mobile"})
    preferred = identity.preferred_language
    if not preferred or _safe_code(preferred) != account.language:
        preferred = account.language or None
    current = {
        "active": account.status != AccountStatus.SUSPENDED,
        "social_messaging": account.social_messaging,
        "monitor_calls": account.monitor_calls,
        "monitor_sms": account.monitor_sms,
    }
    shown = {
        name: value
        for name, value in current.items()
        if name not in identity.unassigned or value != DEFAULTS[name]
    }
    extension = schemas.MultiLineUser(
        social_messaging=shown.get("social_messaging"),
        monitor_calls=schemas.MonitorCalls(shown["monitor_calls"])
        if "monitor_calls" in shown
        else None,
        monitor_sms=schemas.MonitorSms(shown["monitor_sms"]) if "monitor_sms" in shown else None,
        forwarding_number=account.forwarding_number or None,
    )
    location = f"{base_url}/Users/{account.pk}"
    user = schemas.User(
        id=str(account.pk),
        external_id=identity.external_id or None,
        user_name=identity.user_name or account.contact,
        name=schemas.Name(
            given_name=account.first_name or None, family_name=account.last_name or None
        )
        if account.first_name or account.last_name
        else None,
        display_name=account.display_name,
        preferred_language=preferred,
        active=shown.get("active"),
        emails=[schemas.Email(**e) for e in emails] or None,
        phone_numbers=[schemas.PhoneNumber(**p) for p in phones] or None,
        groups=[
            schemas.GroupMembership(
                value=str(account.permission_group_id), display=account.permission_group.name
            )
        ],
        meta={
            "resourceType": "User",
            "created": account.created_at,
            "lastModified": account.updated_at,
            "location": location,
        },
    )
    if extension.model_dump(scim_ctx=None, exclude_none=True, exclude={"schemas"}):
        user[schemas.MultiLineUser] = extension
    return user


def _safe_code(tag: str) -> str | None:
    try:
        return language_code(tag)
    except ScimError:
        return None


def _taken(organization, user: schemas.User, *, exclude: Account | None = None) -> None:
    """userName is unique in the organization; an email or device number in the whole portal (said
    only as "not available": where it is used stays unsaid)."""
    user_name = (user.user_name or "").strip()
    if not user_name:
        raise ScimError("userName is required.")
    same_name = ScimUser.objects.filter(organization=organization, user_name__iexact=user_name)
    contact = _contact(user)
    in_use = (
        Account.objects.filter(email__iexact=contact)
        if "@" in contact
        else (Account.objects.filter(device_number=contact) if looks_like_phone(contact) else None)
    )
    if exclude is not None:
        same_name = same_name.exclude(account=exclude)
        in_use = in_use.exclude(pk=exclude.pk) if in_use is not None else None
    if same_name.exists() or (in_use is not None and in_use.exists()):
        raise ScimError(
            f"A user with the userName or email “{contact}” is not available.",
            status=409,
            scim_type="uniqueness",
        )


def _as_scim(error: DomainError) -> ScimError:
    if isinstance(error, ScimError):
        return error
    if isinstance(error, NotFound):
        return ScimError(error.message, status=404, scim_type=None)
    if isinstance(error, Conflict):  # e.g. no number left to invite with (onboarding capacity)
        return ScimError(error.message, status=409, scim_type=None)
    return ScimError(error.message)


def _set_active(token: ScimToken, account: Account, active: bool | None) -> None:
    suspended = account.status == AccountStatus.SUSPENDED
    if active is False and not suspended:
        accounts_suspend(
            actor=token.created_by,
            accounts=[account.pk],
            reason="Deactivated by the identity provider (SCIM)",
        )
    elif active is True and suspended:
        accounts_reactivate(actor=token.created_by, accounts=[account.pk])


def _reload(pk: int) -> Account:
    return Account.objects.select_related("number", "permission_group", "scim").get(pk=pk)


def user_create(*, token: ScimToken, user: schemas.User) -> Account:
    organization = token.organization
    _taken(organization, user)
    try:
        with audit.via("scim"), transaction.atomic():
            account = account_add(
                actor=token.created_by,
                organization=organization,
                data=account_data(user),
                invite=token.invite and user.active is not False,
            )
            ScimUser.objects.create(
                account=account, organization=organization, **_identity_values(user)
            )
            _set_active(token, account, user.active)
    except DomainError as error:
        _taken(token.organization, user)  # Another request wrote this user meanwhile: 409.
        raise _as_scim(error) from None
    return _reload(account.pk)


def user_replace(
    *, token: ScimToken, account: Account, user: schemas.User, removed: frozenset[str] = frozenset()
) -> Account:
    """PUT (and, after applying its operations, PATCH): the account takes the User's values.

    The MultiLine settings stay as they are when the User carries no MultiLine extension, and the
    number stays unless a `work` phone number names another one: numbers come from the portal.
    `removed`: what a PATCH unassigned; it takes its default and is not shown while it has it.
    """
    if removed & set(EXTENSION_DEFAULTS) and not _has_extension(user):
        user[schemas.MultiLineUser] = schemas.MultiLineUser(
            **{n: DEFAULTS[n] for n in EXTENSION_DEFAULTS}
        )
    identity = getattr(account, "scim", None)
    unassigned = (set(identity.unassigned if identity else ()) - assigned(user)) | set(removed)
    _taken(token.organization, user, exclude=account)
    active = True if "active" in removed else user.active
    suspended = account.status == AccountStatus.SUSPENDED
    reactivate = suspended and active is True
    try:
        with audit.via("scim"), transaction.atomic():
            if not reactivate:
                data = account_data(user, account=account)
                if suspended:
                    data.pop("multiline_number", None)  # A suspended account holds no number.
                account_edit(actor=token.created_by, account=account, data=data)
            ScimUser.objects.update_or_create(
                account=account,
                defaults={
                    "organization": token.organization,
                    "unassigned": sorted(unassigned),
                    **_identity_values(user),
                },
            )
            _set_active(token, _reload(account.pk), active)
            if reactivate:
                account = _reload(account.pk)
                account_edit(
                    actor=token.created_by,
                    account=account,
                    data=account_data(user, account=account),
                )
    except DomainError as error:
        _taken(token.organization, user, exclude=account)  # Taken meanwhile: 409.
        raise _as_scim(error) from None
    return _reload(account.pk)


def user_delete(*, token: ScimToken, account: Account) -> None:
    with audit.via("scim"):
        accounts_delete(actor=token.created_by, accounts=[account.pk])


def users_of(token: ScimToken):
    return (
        Account.objects.filter(organization=token.organization)
        .select_related("number", "permission_group", "scim")
        .order_by("pk")
    )


def user_for(token: ScimToken, pk: str) -> Account:
    if not str(pk).isdigit() or len(str(pk)) > 18:
        raise ScimError(f"No user {pk}.", status=404, scim_type=None)
    account = users_of(token).filter(pk=int(pk)).first()
    if account is None:
        raise ScimError(f"No user {pk}.", status=404, scim_type=None)
    return account


# ---------------------------------------------------------------- groups: permission groups


def groups_of(token: ScimToken):
    return (
        PermissionGroup.objects.filter(organization=token.organization)
        .select_related("scim")
        .order_by("pk")
    )


def group_for(token: ScimToken, pk: str) -> PermissionGroup:
    if not str(pk).isdigit() or len(str(pk)) > 18:
        raise ScimError(f"No group {pk}.", status=404, scim_type=None)
    group = groups_of(token).filter(pk=int(pk)).first()
    if group is None:
        raise ScimError(f"No group {pk}.", status=404, scim_type=None)
    return group


def group_resource(group: PermissionGroup, *, base_url: str) -> schemas.Group:
    identity = getattr(group, "scim", None)
    members = [
        schemas.GroupMember(value=str(pk), ref=f"{base_url}/Users/{pk}")
        for pk in group.accounts.order_by("pk").values_list("pk", flat=True)
    ]
    return schemas.Group(
        id=str(group.pk),
        external_id=(identity.external_id if identity else "") or None,
        display_name=group.name,
        members=members or None,
        meta={"resourceType": "Group", "location": f"{base_url}/Groups/{group.pk}"},
    )


def _member_ids(token: ScimToken, group: schemas.Group) -> set[int]:
    wanted = set()
    for member in group.members or []:
        value = str(member.value or "")
        if not value.isdigit() or len(value) > 18:
            raise ScimError(f"No user {value} to be a member.", scim_type="invalidValue")
        wanted.add(int(value))
    found = set(users_of(token).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - found:
        missing = ", ".join(str(pk) for pk in sorted(wanted - found))
        raise ScimError(f"No user {missing} to be a member.", scim_type="invalidValue")
    return wanted


def _set_members(token: ScimToken, group: PermissionGroup, wanted: set[int]) -> None:
    """Each account is in one permission group: joining one leaves the other, and leaving one
    goes back to the organization's default group."""
    current = set(group.accounts.values_list("pk", flat=True))
    for pk in sorted(wanted - current):
        account_edit(
            actor=token.created_by, account=_reload(pk), data={"permission_group": group.name}
        )
    if current - wanted:
        fallback = default_group(token.organization)
        if fallback is None or fallback.pk == group.pk:
            raise ScimError(
                "Members cannot leave the organization's default permission group: "
                "add them to another group instead.",
                scim_type="mutability",
            )
        for pk in sorted(current - wanted):
            account_edit(
                actor=token.created_by,
                account=_reload(pk),
                data={"permission_group": fallback.name},
            )


def group_create(*, token: ScimToken, group: schemas.Group) -> PermissionGroup:
    name = (group.display_name or "").strip()
    if groups_of(token).filter(name__iexact=name).exists():
        raise ScimError(
            f"A group named “{name}” exists already.", status=409, scim_type="uniqueness"
        )
    try:
        with audit.via("scim"), transaction.atomic():
            wanted = _member_ids(token, group)
            created = permission_group_create(
                actor=token.created_by, organization=token.organization, name=name
            )
            ScimGroup.objects.create(group=created, external_id=(group.external_id or "")[:254])
            _set_members(token, created, wanted)
    except DomainError as error:
        raise _as_scim(error) from None
    return groups_of(token).get(pk=created.pk)


def group_replace(
    *, token: ScimToken, group: PermissionGroup, resource: schemas.Group
) -> PermissionGroup:
    name = (resource.display_name or "").strip()
    if groups_of(token).filter(name__iexact=name).exclude(pk=group.pk).exists():
        raise ScimError(
            f"A group named “{name}” exists already.", status=409, scim_type="uniqueness"
        )
    try:
        with audit.via("scim"), transaction.atomic():
            wanted = _member_ids(token, resource)
            if name != group.name:
                permission_group_rename(actor=token.created_by, group=group, name=name)
            ScimGroup.objects.update_or_create(
                group=group, defaults={"external_id": (resource.external_id or "")[:254]}
            )
            _set_members(token, group, wanted)
    except DomainError as error:
        raise _as_scim(error) from None
    return groups_of(token).get(pk=group.pk)


def group_delete(*, token: ScimToken, group: PermissionGroup) -> None:
    """Its members go back to the default group; the default group itself cannot be deleted."""
    fallback = default_group(token.organization)
    if group.is_default or fallback is None:
        raise ScimError(
            "The organization's default permission group cannot be deleted.",
            status=409,
            scim_type="mutability",
        )
    try:
        with audit.via("scim"), transaction.atomic():
            _set_members(token, group, set())
            permission_group_delete(actor=token.created_by, group=group)
    except DomainError as error:
        raise _as_scim(error) from None
