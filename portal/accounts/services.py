"""Writing accounts. The portal form, the API, each CSV row and the CLI all come through here."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.access import disclosure
from portal.accounts import listing
from portal.accounts.models import Account, AccountStatus
from portal.accounts.outcomes import Problem, message
from portal.accounts.rules import (
    ACCOUNT_VALUES,
    AccountValues,
    Problems,
    clean_values,
    find_conflicts,
)
from portal.accounts.search import set_search_fields
from portal.accounts.selectors import lock_capacity
from portal.audit import services as audit
from portal.lib import events
from portal.lib.dberrors import unique_field, violated
from portal.lib.errors import Conflict, DomainError
from portal.numbers.models import Number
from portal.numbers.services import number_take
from portal.permissions.models import PermissionGroup


def resolve_permission_group(organization, permission_group) -> PermissionGroup:
    """A group of `organization`, given as an object, a name, or None for the default."""
    if isinstance(permission_group, PermissionGroup):
        if permission_group.organization_id != organization.pk:
            raise DomainError(
                f"The permission group “{permission_group}” is not one of {organization}.",
                fields={"permission_group": ["belongs to another organization"]},
            )
        return permission_group
    groups = PermissionGroup.objects.filter(organization=organization)
    group = (
        groups.filter(name=permission_group).first()
        if permission_group
        else groups.filter(is_default=True).first()
    )
    if group is None:
        what = (
            f"no permission group named “{permission_group}”"
            if permission_group
            else "no default permission group"
        )
        raise DomainError(f"{organization} has {what}.", fields={"permission_group": ["unknown"]})
    return group


def _raise_problems(problems: Problems) -> None:
    """The refusal of a row's problems; its code is the problems' one code, if they have one."""
    if problems:
        codes = sorted(problems.codes)
        raise DomainError(
            problems.summary(),
            fields=problems.as_dict(),
            code=codes[0] if len(codes) == 1 else "invalid",
        )


def violated_field(error: IntegrityError) -> str:
    """Which unique rule of an account a refused write broke: "email", "device_number",
    "multiline_number" or "" (another constraint), told by the constraint's name."""
    return {
        "account_unique_email": "email",
        "account_unique_device_number": "device_number",
        unique_field(Account, "number"): "multiline_number",
    }.get(violated(error, Account), "")


def _integrity_message(error: IntegrityError, values: AccountValues, actor) -> Conflict:
    """The refusal of a write that lost a race on a unique rule, worded for `actor` as
    `rules.find_conflicts` words it: the holder named only inside the actor's scope."""
    field = violated_field(error)
    if field == "multiline_number":
        return Conflict(
            message(Problem.NUMBER_TAKEN, number=values.multiline_number),
            fields={"multiline_number": [_("just taken by another account")]},
            code=Problem.NUMBER_TAKEN,
        )
    if field not in ("email", "device_number"):
        raise error
    holder = (
        Account.objects.filter(email__iexact=values.email)
        if field == "email"
        else Account.objects.filter(device_number=values.device_number)
    )
    holder = holder.values_list("organization__name", "organization_id").first()
    if holder is None or not disclosure.sees(disclosure.scope_of(actor), holder[1]):
        refusal = (
            disclosure.EMAIL_NOT_AVAILABLE if field == "email" else disclosure.DEVICE_NOT_AVAILABLE
        )
        return Conflict(refusal, fields={"email": [refusal]}, code=Problem.CONTACT_TAKEN)
    what = (
        values.email
        if field == "email"
        else _("Device number {number}").format(number=values.device_number)
    )
    return Conflict(
        message(Problem.CONTACT_TAKEN, contact=what, organization=holder[0]) + ".",
        fields={
            "email": [
                _("already used by an account in {organization}").format(organization=holder[0])
            ]
        },
        code=Problem.CONTACT_TAKEN,
    )


def account_values(
    organization, data: Mapping[str, Any], *, actor, exclude_account_ids=()
) -> AccountValues:
    """Clean one account's values and check them against the database (as `actor` may hear of
    them); DomainError with every problem."""
    values, problems = clean_values(organization, data)
    if not problems:
        conflicts = find_conflicts(
            organization, [values], actor=actor, exclude_account_ids=exclude_account_ids
        )[0]
        for column, reasons in conflicts.as_dict().items():
            for reason in reasons:
                problems.add(column, reason)
        problems.codes |= conflicts.codes
    _raise_problems(problems)
    return values


def build_accounts(
    *, organization, permission_group, values: list[AccountValues], batch=None
) -> list[Account]:
    """New, unsaved accounts of one organization, permission group and batch, status not invited
    (a batch chunk's; the single add builds one). Django's positional constructor takes the
    concrete fields in the model's order: one list made once with what the accounts share (every
    other field's own default), then each account's values put in. The keyword constructor looks
    every field up by name and computes its default for each account: 15 % of a 1,000-row Import
    & Invite (`bench/import_instructions.py`). The organization is set as the instance (its
    relation's cache: the invitation rules read it)."""
    fields = Account._meta.concrete_fields
    shared = {f.attname: f.get_default() for f in fields}
    shared.update(
        organization_id=organization.pk,
        permission_group_id=permission_group.pk,
        batch_id=batch.pk if batch is not None else None,  # the batch itself is not read back
        status=AccountStatus.NOT_INVITED,
    )
    names = [f.attname for f in fields]
    template = [shared[name] for name in names]
    slots = [(names.index(name), name) for name in ACCOUNT_VALUES]
    accounts = []
    for one in values:
        args = template.copy()
        for index, name in slots:
            args[index] = getattr(one, name)
        account = Account(*args)
        account.organization = organization
        accounts.append(set_search_fields(account))  # the derived search columns, written with it
    return accounts


def build_account(
    *, organization, permission_group, values: AccountValues, number: Number | None
) -> Account:
    """A new, unsaved account (the single add)."""
    (account,) = build_accounts(
        organization=organization, permission_group=permission_group, values=[values]
    )
    account.permission_group = permission_group
    if number is not None:
        account.number = number
    return account


def account_add(
    *, actor, organization, data: Mapping[str, Any], permission_group=None, invite: bool = False
) -> Account:
    """Add one account (Save), and invite it too when `invite` (Save & Invite).

    The number (given, or any free one with the tag) is taken by a conditional update inside the
    same transaction as the account, so the account and its number are written whole or not at all.
    Inviting, or taking a number, holds the organization's capacity lock (`selectors`) from the
    capacity check to the commit. A concurrent add of the same contact or number loses with a 409.
    """
    group = resolve_permission_group(organization, permission_group or data.get("permission_group"))
    values = account_values(organization, data, actor=actor)
    has_number = bool(values.multiline_number or values.number_tag)
    if invite:  # invitations builds on accounts: it is told, through its receivers (lib/events)
        events.require(events.account_invite, Account, "Save & Invite")
    try:
        with transaction.atomic():
            if invite or has_number:
                lock_capacity([organization])
            if invite:
                events.account_invite_check.send(
                    sender=Account,
                    organization=organization,
                    email=values.email,
                    has_number=has_number,
                )
            number = None
            if has_number:
                number = number_take(
                    organization=organization, e164=values.multiline_number, tag=values.number_tag
                )
            account = build_account(
                organization=organization, permission_group=group, values=values, number=number
            )
            account.save()
            audit.record(
                actor=actor,
                action="account.create",
                target=account,
                data={
                    "number": number.e164 if number else None,
                    "permission_group": group.name,
                    "invite": invite,
                },
            )
            if invite:
                events.account_invite.send(sender=Account, actor=actor, account=account)
                if number is None:  # One more invitation waits for a number: the threshold.
                    events.organization_changed.send(sender=Account, organization=organization)
    except IntegrityError as error:
        raise _integrity_message(error, values, actor) from None
    return account


def accounts_export(*, actor, filters: listing.Filters) -> Iterator[list]:
    """The export rows of every account `actor` sees that matches `filters`, audited as an export of
    personal data (how many rows, with which filters) before the first row is read."""
    queryset = listing.filtered(actor, filters)
    audit.record_export(
        actor=actor,
        what="accounts",
        rows=queryset.count(),
        organization=filters.organization,
        search=filters.q,
        status=filters.status,
    )
    return listing.export_rows(queryset)
