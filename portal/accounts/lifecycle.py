"""An account's life after it is added: move, edit, suspend, reactivate, delete.

Each action takes one account, a selection or everything matching the Accounts filter, and answers
per account what happened (done, or skipped and why). The same answers go on screen, into the API
response and into the audit log. Over `BULK_TASK_THRESHOLD` accounts an action runs as a task (a
`BulkJob` with progress); below, it runs at once.

Moves are all or nothing: the destination's onboarding capacity is checked and the accounts moved in
one transaction that locks the destination's row, so two admins moving into one organization at the
same time cannot promise the same numbers twice (on SQLite the IMMEDIATE transaction serialises
writers).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.access.models import Privilege
from portal.access.scoping import require_privilege
from portal.accounts.models import PENDING_STATUSES, Account, AccountStatus
from portal.accounts.outcomes import MESSAGES, ActionResult, Problem, message
from portal.accounts.rules import ACCOUNT_VALUES, AccountValues, clean_values, find_conflicts
from portal.accounts.selectors import lock_capacity, onboarding_capacity
from portal.accounts.services import resolve_permission_group
from portal.audit import services as audit
from portal.jobs import runner
from portal.jobs.models import BulkJob, JobStatus
from portal.jobs.runner import RunLost
from portal.lib import events, heartbeat
from portal.lib.chunks import IN_CHUNK, chunks
from portal.lib.errors import Conflict, DomainError
from portal.lib.tasks import is_transient
from portal.numbers.models import Number, NumberStatus
from portal.numbers.services import number_release, number_take, numbers_release, numbers_take
from portal.organizations.models import Feature, Organization

log = logging.getLogger(__name__)

MOVE_REFUSED = MESSAGES[Problem.NOT_ENOUGH_NUMBERS]  # The article's words (lazy: translatable).
BULK_TASK_THRESHOLD = getattr(settings, "ACCOUNTS_BULK_TASK_THRESHOLD", 200)
CHUNK = 500

DONE, SKIPPED = ActionResult.DONE, ActionResult.SKIPPED

ACTIONS = ("move", "edit", "suspend", "reactivate", "delete")
# Fields a bulk edit may set on many accounts at once (email and number are one per account).
BULK_EDIT_FIELDS = (
    "permission_group",
    "social_messaging",
    "monitor_calls",
    "monitor_sms",
    "restrict_incoming_social_messaging",
    "forwarding_number",
    "language",
)


@dataclass
class AccountResult:
    id: int
    account: str
    result: str = DONE
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "account": self.account,
            "result": self.result,
            "reason": self.reason,
        }


def _skip(account: Account, reason: str) -> AccountResult:
    return AccountResult(id=account.pk, account=account.display_name, result=SKIPPED, reason=reason)


def _done(account: Account, note: str = "") -> AccountResult:
    return AccountResult(id=account.pk, account=account.display_name, result=DONE, reason=note)


def _ids(accounts) -> list[int]:
    if isinstance(accounts, QuerySet):
        if accounts.query.is_sliced:
            return sorted(accounts.values_list("pk", flat=True))
        return list(accounts.order_by("pk").values_list("pk", flat=True))
    return [a.pk if isinstance(a, Account) else int(a) for a in accounts]


def _load(ids: list[int], *, lock: bool = True) -> dict[int, Account]:
    """The accounts of `ids` (locked on PostgreSQL), with what the results and audit show."""
    rows: dict[int, Account] = {}
    for chunk in chunks(ids, IN_CHUNK):
        queryset = (
            Account.objects.filter(pk__in=chunk)
            .select_related("organization", "number")
            .order_by("pk")
        )
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        rows.update({a.pk: a for a in queryset})
    return rows


def _missing(pk: int) -> AccountResult:
    return AccountResult(
        id=pk, account=f"#{pk}", result=SKIPPED, reason=_("No such account (deleted meanwhile).")
    )


def _update(ids: list[int], **values) -> int:
    values.setdefault("updated_at", timezone.now())
    return sum(
        Account.objects.filter(pk__in=chunk).update(**values) for chunk in chunks(ids, IN_CHUNK)
    )


def _changed(organizations: Iterable[Organization]) -> None:
    for organization in {o.pk: o for o in organizations}.values():
        events.organization_changed.send(sender=Account, organization=organization)


def _audit_each(
    actor, action: str, accounts: list[Account], data: Callable[[Account], dict]
) -> None:
    audit.record_many(
        audit.build(actor=actor, action=action, target=a, organization=a.organization, data=data(a))
        for a in accounts
    )


def _summary(
    actor, action: str, results: list[AccountResult], *, organization=None, **data
) -> None:
    done = sum(1 for r in results if r.result == DONE)
    audit.record(
        actor=actor,
        action=action,
        organization=organization,
        data={
            **data,
            "done": done,
            "skipped": len(results) - done,
            "skipped_accounts": [r.as_dict() for r in results if r.result == SKIPPED][:1000],
        },
    )


# ---------------------------------------------------------------- move


def move_offload_refused(destination: Organization) -> str:
    return message(Problem.MOVE_NEEDS_EMAIL, organization=destination)


def needs_email(destination: Organization, account: Account) -> bool:
    """An account with only a device number cannot move into an SMTP data offload organization."""
    return destination.has_feature(Feature.SMTP_DATA_OFFLOAD) and not account.email


@dataclass
class MovePlan:
    """What moving a selection into `destination` needs: numbers for its pending accounts.
    `blocked`: accounts that cannot move there at all (device number only, SMTP data offload)."""

    destination: Organization
    need: int
    capacity: int
    moving: int = 0
    blocked: int = 0

    @property
    def enough_numbers(self) -> bool:
        return self.need <= self.capacity

    @property
    def enough(self) -> bool:
        """Whether the move can go ahead (the Move button is enabled)."""
        return self.enough_numbers and not (self.blocked and not self.moving)

    @property
    def problem(self) -> str:
        """Why not: a `Problem` code, "" when the move can go ahead."""
        if not self.enough_numbers:
            return Problem.NOT_ENOUGH_NUMBERS
        if not self.enough:
            return Problem.MOVE_NEEDS_EMAIL
        return ""

    @property
    def message(self) -> str:
        """Why not, in the words the portal and the API both use (made from `problem`)."""
        return message(self.problem, organization=self.destination) if self.problem else ""


def move_plans(accounts: QuerySet, destinations: Iterable[Organization]) -> list[MovePlan]:
    """For each destination: how many numbers the selection needs there and how many it can onboard.

    Pending accounts (not active) need a number in the destination: those without one, and those
    whose number of the source organization is released when they move. Accounts already in a
    destination are not moved there, so they need nothing; nor do those that cannot move there
    (`needs_email`): they are skipped, as `accounts_move` skips them.
    """
    no_email = Q(email__isnull=True) | Q(email="")
    counts = (
        accounts.order_by()
        .values_list("organization_id", "status")
        .annotate(n=Count("pk"), devices=Count("pk", filter=no_email))
    )
    plans = []
    for d in destinations:
        offload = d.has_feature(Feature.SMTP_DATA_OFFLOAD)
        need = moving = blocked = 0
        for organization_id, status, n, devices in counts:
            if organization_id == d.pk:
                continue
            stuck = devices if offload else 0
            blocked += stuck
            moving += n - stuck
            if status in PENDING_STATUSES:
                need += n - stuck
        plans.append(
            MovePlan(
                destination=d,
                need=need,
                capacity=onboarding_capacity(d),
                moving=moving,
                blocked=blocked,
            )
        )
    return plans


def move_check(*, accounts: QuerySet, destination: Organization) -> MovePlan:
    """Raise the refusal (the article's message when it is the numbers) when the move cannot go
    (a quick check before a job is queued; `accounts_move` checks again under the lock)."""
    plan = move_plans(accounts, [destination])[0]
    if not plan.enough:
        raise Conflict(plan.message, fields={"organization": [plan.message]}, code=plan.problem)
    return plan


def _feature_resets(destination: Organization) -> dict[str, Any]:
    """Feature settings the destination does not offer are switched off on the moved accounts."""
    resets: dict[str, Any] = {}
    if not destination.has_feature(Feature.SOCIAL_MESSAGING):
        resets.update(social_messaging=False, restrict_incoming_social_messaging=None)
    if not destination.has_feature(Feature.CALL_RECORDING):
        resets["monitor_calls"] = "off"
    if not destination.has_feature(Feature.SMS_RECORDING):
        resets["monitor_sms"] = "off"
    return resets


def accounts_move(*, actor, accounts, destination: Organization) -> list[AccountResult]:
    """Move accounts to `destination`: all of them, or none when it cannot onboard the pending ones.

    Moved accounts take the destination's default permission group. A pending account gives its
    number back to the source organization (released to `available`) and will pick one in the
    destination; an active account keeps its number, which moves with it to the destination.
    """
    ids = _ids(accounts)
    move_id = uuid.uuid4().hex
    try:
        with transaction.atomic():
            # The lock that makes check + move one step for everyone promising its numbers.
            lock_capacity([destination])
            destination = Organization.objects.get(pk=destination.pk)
            rows = _load(ids)
            results: list[AccountResult] = []
            movers: list[Account] = []
            for pk in ids:
                account = rows.get(pk)
                if account is None:
                    results.append(_missing(pk))
                elif account.organization_id == destination.pk:
                    results.append(
                        _skip(
                            account,
                            _("It is in %(organization)s already.") % {"organization": destination},
                        )
                    )
                elif needs_email(destination, account):
                    results.append(
                        _skip(account, message(Problem.NEEDS_EMAIL, organization=destination))
                    )
                else:
                    movers.append(account)
                    results.append(_done(account))
            pending = [a for a in movers if a.status in PENDING_STATUSES]
            if pending and len(pending) > onboarding_capacity(destination):
                refused = message(Problem.NOT_ENOUGH_NUMBERS)
                raise Conflict(
                    refused, fields={"organization": [refused]}, code=Problem.NOT_ENOUGH_NUMBERS
                )
            if not movers and any(needs_email(destination, a) for a in rows.values()):
                refused = move_offload_refused(destination)
                raise Conflict(
                    refused, fields={"organization": [refused]}, code=Problem.MOVE_NEEDS_EMAIL
                )
            if movers:
                _move(actor, movers, pending, destination, move_id)
            _summary(
                actor,
                "accounts.move",
                results,
                organization=destination,
                to=destination.slug,
                move=move_id,
            )
    except Conflict as refused:
        audit.record(
            actor=actor,
            action="accounts.move_refused",
            organization=destination,
            data={"to": destination.slug, "accounts": len(ids), "reason": refused.message},
        )
        raise
    return results


def _move(
    actor, movers: list[Account], pending: list[Account], destination: Organization, move_id: str
) -> None:
    group = resolve_permission_group(destination, None)
    sources = list({a.organization_id: a.organization for a in movers}.values())
    released = {a.pk: a.number for a in pending if a.number_id}
    keep = [a for a in movers if a.status not in PENDING_STATUSES]
    resets = _feature_resets(destination)
    _update(
        [a.pk for a in pending],
        organization=destination,
        permission_group=group,
        number=None,
        **resets,
    )
    _update([a.pk for a in keep], organization=destination, permission_group=group, **resets)
    numbers_release([n.pk for n in released.values()])
    kept_numbers = [a.number_id for a in keep if a.number_id]
    for chunk in chunks(kept_numbers, IN_CHUNK):
        Number.objects.filter(pk__in=chunk).update(organization=destination)
    _audit_each(
        actor,
        "account.move",
        movers,
        lambda a: {
            "from": a.organization.slug,
            "to": destination.slug,
            "permission_group": group.name,
            "move": move_id,
            "released_number": released[a.pk].e164 if a.pk in released else None,
            "number_moved": a.number.e164 if a.number_id and a.pk not in released else None,
        },
    )
    events.accounts_moved.send(
        sender=Account,
        actor=actor,
        move_id=move_id,
        sources=sources,
        destination=destination,
        accounts=[a.display_name for a in movers],
        count=len(movers),
    )
    _changed([destination, *sources])


# ---------------------------------------------------------------- edit


def _current_data(account: Account) -> dict[str, Any]:
    return {
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.contact,
        "social_messaging": account.social_messaging,
        "multiline_number": account.number.e164 if account.number_id else None,
        "monitor_calls": account.monitor_calls,
        "monitor_sms": account.monitor_sms,
        "forwarding_number": account.forwarding_number,
        "restrict_incoming_social_messaging": account.restrict_incoming_social_messaging,
        "language": account.language,
    }


EDITABLE = (
    "first_name",
    "last_name",
    "email",
    "device_number",
    "social_messaging",
    "multiline_number",
    "number_tag",
    "monitor_calls",
    "monitor_sms",
    "forwarding_number",
    "restrict_incoming_social_messaging",
    "language",
    "permission_group",
)
STORED = ACCOUNT_VALUES  # what an edit writes as it is


def _merged(account: Account, data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(EDITABLE))
    if unknown:
        raise DomainError(
            _("These fields cannot be edited: %(fields)s.") % {"fields": ", ".join(unknown)},
            fields={f: ["cannot be edited"] for f in unknown},
        )
    merged = {
        **_current_data(account),
        **{k: v for k, v in data.items() if k != "permission_group"},
    }
    if data.get("device_number"):
        merged["email"] = merged.pop("device_number")
    merged.pop("device_number", None)
    if data.get("number_tag"):
        merged["multiline_number"] = None
    return merged


def account_edit(*, actor, account: Account, data: Mapping[str, Any]) -> Account:
    """Change an account with the rules of Add Account (email, numbers, features, permission group).

    A new number (or tag) is taken and the old one released in the same transaction; an active
    account's new number is `registered` at once.
    """
    organization = account.organization
    merged = _merged(account, data)
    values, problems = clean_values(organization, merged)
    current = account.number.e164 if account.number_id else None
    same_number = values.multiline_number == current and not values.number_tag
    if not problems:
        check = AccountValues(
            **{**values.__dict__, "multiline_number": None} if same_number else values.__dict__
        )
        conflicts = find_conflicts(
            organization, [check], actor=actor, exclude_account_ids=[account.pk]
        )
        for column, reasons in conflicts[0].as_dict().items():
            for reason in reasons:
                problems.add(column, reason)
    if problems:
        raise DomainError(problems.summary(), fields=problems.as_dict())
    group = (
        resolve_permission_group(organization, data["permission_group"])
        if data.get("permission_group")
        else account.permission_group
    )
    with transaction.atomic():
        locked = (
            Account.objects.select_for_update(of=("self",))
            .select_related("number")
            .get(pk=account.pk)
        )
        changes: dict[str, list] = {}
        wants_number = values.multiline_number or values.number_tag
        if not same_number:
            if locked.status == AccountStatus.SUSPENDED and wants_number:
                raise DomainError(
                    _("A suspended account holds no number: reactivate it first."),
                    fields={"multiline_number": ["the account is suspended"]},
                )
            if locked.status == AccountStatus.ACTIVE and not wants_number:
                raise DomainError(
                    _("An active account keeps a number: choose another one instead of none."),
                    fields={"multiline_number": ["an active account needs a number"]},
                )
            old = locked.number
            new = None
            if wants_number:
                target = (
                    NumberStatus.REGISTERED
                    if locked.status == AccountStatus.ACTIVE
                    else NumberStatus.ASSIGNED
                )
                new = number_take(
                    organization=organization,
                    e164=values.multiline_number,
                    tag=values.number_tag,
                    target=target,
                )
            locked.number = new
            if old is not None:
                locked.save(update_fields=["number"])
                number_release(number=old)
            changes["multiline_number"] = [old.e164 if old else None, new.e164 if new else None]
        for name in STORED:
            value = getattr(values, name)
            if getattr(locked, name) != value:
                changes[name] = [getattr(locked, name), value]
                setattr(locked, name, value)
        if group.pk != locked.permission_group_id:
            changes["permission_group"] = [locked.permission_group.name, group.name]
            locked.permission_group = group
        locked.save()
        audit.record(actor=actor, action="account.update", target=locked, data={"changes": changes})
        if "multiline_number" in changes:
            _changed([organization])
    return locked


def _edit_chunk(actor, ids: list[int], changes: Mapping[str, Any]) -> list[AccountResult]:
    rows = _load(ids)
    results, changed, events = [], [], []
    groups: dict[int, Any] = {}
    for pk in ids:
        account = rows.get(pk)
        if account is None:
            results.append(_missing(pk))
            continue
        organization = account.organization
        if "permission_group" in changes:
            if organization.pk not in groups:
                try:
                    groups[organization.pk] = resolve_permission_group(
                        organization, changes["permission_group"]
                    )
                except DomainError as error:
                    groups[organization.pk] = error
            group = groups[organization.pk]
            if isinstance(group, DomainError):
                results.append(_skip(account, group.message))
                continue
        data = {
            **_current_data(account),
            **{k: v for k, v in changes.items() if k != "permission_group"},
        }
        data["multiline_number"] = None  # The number does not change here; do not re-check it.
        values, problems = clean_values(organization, data)
        relevant = {c: r for c, r in problems.as_dict().items() if c in changes}
        if relevant:
            results.append(
                _skip(account, "; ".join(f"{c}: {', '.join(r)}" for c, r in relevant.items()))
            )
            continue
        diff = {}
        for name in STORED:
            if name in ("email", "device_number", "first_name", "last_name"):
                continue
            if getattr(account, name) != getattr(values, name):
                diff[name] = [getattr(account, name), getattr(values, name)]
                setattr(account, name, getattr(values, name))
        if (
            "permission_group" in changes
            and account.permission_group_id != groups[organization.pk].pk
        ):
            diff["permission_group"] = [account.permission_group_id, groups[organization.pk].name]
            account.permission_group = groups[organization.pk]
        if not diff:
            results.append(_skip(account, _("Nothing to change: it has these values already.")))
            continue
        account.updated_at = timezone.now()
        changed.append(account)
        events.append(
            audit.build(
                actor=actor,
                action="account.update",
                target=account,
                data={"changes": diff, "bulk": True},
            )
        )
        results.append(_done(account))
    Account.objects.bulk_update(changed, BULK_UPDATE_FIELDS, batch_size=500)
    audit.record_many(events)
    return results


BULK_UPDATE_FIELDS = (
    "social_messaging",
    "monitor_calls",
    "monitor_sms",
    "forwarding_number",
    "restrict_incoming_social_messaging",
    "language",
    "permission_group",
    "updated_at",
)


def clean_bulk_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    changes = {k: v for k, v in changes.items() if v is not None and v != ""}
    unknown = sorted(set(changes) - set(BULK_EDIT_FIELDS))
    if unknown:
        raise DomainError(
            _("A bulk edit cannot set %(fields)s: only %(allowed)s.")
            % {"fields": ", ".join(unknown), "allowed": ", ".join(BULK_EDIT_FIELDS)},
            fields={f: ["not editable in bulk"] for f in unknown},
        )
    if not changes:
        raise DomainError(
            _("Choose at least one value to change."), fields={"changes": ["nothing to change"]}
        )
    return changes


# ---------------------------------------------------------------- suspend, reactivate, delete


def _suspend_chunk(actor, ids: list[int], reason: str = "") -> list[AccountResult]:
    rows = _load(ids)
    results, eligible = [], []
    for pk in ids:
        account = rows.get(pk)
        if account is None:
            results.append(_missing(pk))
        elif account.status == AccountStatus.SUSPENDED:
            results.append(_skip(account, _("It is suspended already.")))
        else:
            eligible.append(account)
            note = (
                _("Number %(number)s released.") % {"number": account.number.e164}
                if account.number_id
                else ""
            )
            results.append(_done(account, note))
    why = reason or f"Suspended by {actor.get_username() if actor else 'the system'}"
    eligible_ids = [a.pk for a in eligible]
    _update(eligible_ids, status=AccountStatus.SUSPENDED, number=None, status_reason=why[:500])
    numbers_release([a.number_id for a in eligible if a.number_id])
    # invitations revokes their live invitations (portal.invitations.receivers).
    events.accounts_suspended.send(sender=Account, account_ids=eligible_ids)
    _audit_each(
        actor,
        "account.suspend",
        eligible,
        lambda a: {
            "previous_status": a.status,
            "released_number": a.number.e164 if a.number_id else None,
            "reason": why,
        },
    )
    _changed(a.organization for a in eligible)
    return results


def _reactivate_chunk(actor, ids: list[int]) -> list[AccountResult]:
    """A suspended account that had activated takes an available number of its organization and is
    active again; one that had not is back to "not invited" (invite it again with Resend
    Invitation)."""
    rows = _load(ids)
    results: dict[int, AccountResult] = {}
    need_number: dict[int, list[Account]] = {}
    back_to_pending: list[Account] = []
    for pk in ids:
        account = rows.get(pk)
        if account is None:
            results[pk] = _missing(pk)
        elif account.status != AccountStatus.SUSPENDED:
            results[pk] = _skip(
                account,
                _("It is not suspended (it is %(status)s).")
                % {"status": account.get_status_display().lower()},
            )
        elif account.activated_at:
            need_number.setdefault(account.organization_id, []).append(account)
        else:
            back_to_pending.append(account)
    now = timezone.now()
    _update([a.pk for a in back_to_pending], status=AccountStatus.NOT_INVITED, status_reason="")
    for account in back_to_pending:
        results[account.pk] = _done(
            account, _("Not invited: invite it again with Resend Invitation.")
        )
    reactivated: list[tuple[Account, Number]] = []
    for org_id, accounts in need_number.items():
        free = Number.objects.filter(
            organization_id=org_id, status=NumberStatus.AVAILABLE, account__isnull=True
        ).order_by("e164")
        from django.db import connection

        if connection.features.has_select_for_update_skip_locked:
            free = free.select_for_update(skip_locked=True, of=("self",))
        numbers = list(free[: len(accounts)])
        for account, number in zip(accounts, numbers):
            taken = numbers_take(
                [number.pk], statuses=(NumberStatus.AVAILABLE,), target=NumberStatus.REGISTERED
            )
            if taken != 1:
                results[account.pk] = _skip(
                    account, _("%(number)s was just taken; try again.") % {"number": number.e164}
                )
                continue
            Account.objects.filter(pk=account.pk, status=AccountStatus.SUSPENDED).update(
                status=AccountStatus.ACTIVE, number=number, status_reason="", updated_at=now
            )
            results[account.pk] = _done(
                account, _("Active again with number %(number)s.") % {"number": number.e164}
            )
            reactivated.append((account, number))
        for account in accounts[len(numbers) :]:
            results[account.pk] = _skip(
                account,
                _(
                    "%(organization)s has no available number left for it: "
                    "add numbers to the organization, then reactivate."
                )
                % {"organization": account.organization},
            )
    events = [
        audit.build(
            actor=actor, action="account.reactivate", target=a, data={"status": "not_invited"}
        )
        for a in back_to_pending
    ]
    events += [
        audit.build(
            actor=actor,
            action="account.reactivate",
            target=a,
            data={"status": "active", "number": n.e164},
        )
        for a, n in reactivated
    ]
    audit.record_many(events)
    _changed([a.organization for a, _n in reactivated])
    return [results[pk] for pk in ids]


def _delete_chunk(actor, ids: list[int]) -> list[AccountResult]:
    """Hard delete: the email and device number can be
    invited again; the audit log keeps the record."""
    rows = _load(ids)
    results, victims = [], []
    for pk in ids:
        account = rows.get(pk)
        if account is None:
            results.append(_missing(pk))
        else:
            victims.append(account)
            note = (
                _("Number %(number)s released.") % {"number": account.number.e164}
                if account.number_id
                else ""
            )
            results.append(_done(account, note))
    _audit_each(
        actor,
        "account.delete",
        victims,
        lambda a: {
            "first_name": a.first_name,
            "last_name": a.last_name,
            "email": a.email,
            "device_number": a.device_number,
            "number": a.number.e164 if a.number_id else None,
            "status": a.status,
            "permission_group_id": a.permission_group_id,
        },
    )
    for chunk in chunks([a.pk for a in victims], IN_CHUNK):
        Account.objects.filter(pk__in=chunk).delete()
    numbers_release([a.number_id for a in victims if a.number_id])
    _changed(a.organization for a in victims)
    return results


def _run_chunks(
    chunk_fn: Callable[[list[int]], list[AccountResult]],
    ids: list[int],
    progress: Callable[[list[AccountResult]], None] | None,
) -> list[AccountResult]:
    """Each chunk in its own transaction: a long run never holds SQLite's write lock for long."""
    results: list[AccountResult] = []
    for chunk in chunks(ids, CHUNK):
        with transaction.atomic():
            part = chunk_fn(chunk)
            if progress:
                progress(part)  # A job's results commit with the chunk.
        results += part
    return results


def accounts_suspend(*, actor, accounts, reason: str = "", progress=None) -> list[AccountResult]:
    """Suspend: the number goes back to `available`, live invitations are revoked."""
    results = _run_chunks(lambda ids: _suspend_chunk(actor, ids, reason), _ids(accounts), progress)
    _summary(actor, "accounts.suspend", results)
    return results


def accounts_reactivate(*, actor, accounts, progress=None) -> list[AccountResult]:
    results = _run_chunks(lambda ids: _reactivate_chunk(actor, ids), _ids(accounts), progress)
    _summary(actor, "accounts.reactivate", results)
    return results


def accounts_delete(*, actor, accounts, progress=None) -> list[AccountResult]:
    results = _run_chunks(lambda ids: _delete_chunk(actor, ids), _ids(accounts), progress)
    _summary(actor, "accounts.delete", results)
    return results


def accounts_edit(
    *, actor, accounts, changes: Mapping[str, Any], progress=None
) -> list[AccountResult]:
    """Set the same values (permission group, features, language) on many accounts."""
    changes = clean_bulk_changes(changes)
    results = _run_chunks(lambda ids: _edit_chunk(actor, ids, changes), _ids(accounts), progress)
    _summary(actor, "accounts.edit", results, changes={k: str(v) for k, v in changes.items()})
    return results


# ------------------------------------------------------------ bulk by filter, with a job when big


@dataclass
class BulkOutcome:
    """Either the per-account results (ran at once) or the job that runs it (many accounts)."""

    results: list[AccountResult] = field(default_factory=list)
    job: Any = None

    @property
    def done(self) -> int:
        return sum(1 for r in self.results if r.result == DONE)

    @property
    def skipped(self) -> int:
        return len(self.results) - self.done


def _execute(
    actor, action: str, ids: list[int], params: Mapping[str, Any], progress=None
) -> list[AccountResult]:
    if action == "move":
        destination = Organization.objects.get(pk=params["organization_id"])
        results = accounts_move(actor=actor, accounts=ids, destination=destination)
        if progress:
            progress(results)
        return results
    if action == "suspend":
        return accounts_suspend(
            actor=actor, accounts=ids, reason=params.get("reason", ""), progress=progress
        )
    if action == "reactivate":
        return accounts_reactivate(actor=actor, accounts=ids, progress=progress)
    if action == "delete":
        return accounts_delete(actor=actor, accounts=ids, progress=progress)
    if action == "edit":
        return accounts_edit(
            actor=actor, accounts=ids, changes=params["changes"], progress=progress
        )
    raise DomainError(
        f"Unknown action {action}.", fields={"action": [f"one of {', '.join(ACTIONS)}"]}
    )


def bulk_run(
    *,
    actor,
    action: str,
    accounts: QuerySet,
    by_filter: bool = False,
    params: Mapping[str, Any] | None = None,
) -> BulkOutcome:
    """Run `action` over `accounts` (already scoped to what `actor` may see).

    One account picked by hand needs the Accounts privilege; a selection or a filter also needs
    Accounts Bulk Operations. Over BULK_TASK_THRESHOLD accounts a BulkJob runs it as a task.
    """
    params = dict(params or {})
    if action not in ACTIONS:
        raise DomainError(
            f"Unknown action {action}.", fields={"action": [f"one of {', '.join(ACTIONS)}"]}
        )
    require_privilege(actor, Privilege.ACCOUNTS)
    ids = _ids(accounts)
    if not ids:
        raise DomainError(
            _("No account is selected or matches the filter."), fields={"ids": ["no account"]}
        )
    if by_filter or len(ids) > 1:
        require_privilege(actor, Privilege.ACCOUNTS_BULK)
    destination = None
    if action == "move":
        destination = params.pop("organization")
        params["organization_id"] = destination.pk
        move_check(accounts=accounts, destination=destination)
    if action == "edit":
        params["changes"] = clean_bulk_changes(params.get("changes") or {})
    if len(ids) <= BULK_TASK_THRESHOLD:
        return BulkOutcome(results=_execute(actor, action, ids, params))
    with transaction.atomic():
        job = BulkJob.objects.create(
            action=action,
            created_by=actor if actor and actor.pk else None,
            organization=destination,
            account_ids=ids,
            params=params,
            total=len(ids),
        )
        audit.record(
            actor=actor,
            action="accounts.bulk_queued",
            organization=destination,
            data={"job": job.pk, "action": action, "total": len(ids)},
        )
        BULK_JOBS.enqueue_on_commit(job.pk)
    return BulkOutcome(job=job)


def bulk_job_run(*, job_id: int) -> None:
    """The task's work: claim the queued job, run it chunk by chunk, keep its progress and results.

    Each chunk commits with its results, while this run is the job's last (like a batch's, see
    `batch_run`); a run queued again (its worker died, portal.jobs.sweep) skips the accounts that
    already have a result.
    """
    run = runner.claim(BulkJob, job_id)
    if run is None:
        return
    job = BulkJob.objects.select_related("created_by").get(pk=job_id)
    collected: list[dict] = list(job.results)
    done_ids = {r["id"] for r in collected}

    def progress(part: list[AccountResult]) -> None:
        """Inside the chunk's transaction: its results commit with it, or neither does."""
        results = collected + [r.as_dict() for r in part]
        done = sum(1 for r in results if r["result"] == DONE)
        run.progress(
            processed=len(results), done=done, skipped=len(results) - done, results=results
        )
        collected[:] = results

    remaining = [pk for pk in job.account_ids if pk not in done_ids]
    try:
        # A stored job's results in English, whatever a previous request left active here.
        with (
            translation.override(settings.LANGUAGE_CODE),
            audit.via("task"),
            heartbeat.hold(BulkJob, [job_id]),
        ):
            _execute(job.created_by, job.action, remaining, job.params, progress=progress)
    except RunLost:
        log.warning("Bulk job %s: run %s stopped, a later run has it", job_id, run.number)
        return
    except DomainError as error:
        run.fail(error.message)
        return
    except Exception as error:  # A crash is visible on the job page, not lost in a log.
        if is_transient(error):
            log.warning("Bulk job %s stopped on %s; the sweep queues it again", job_id, error)
            raise  # Its heartbeat stops with the task: portal.jobs.sweep queues it again.
        log.exception("Bulk job %s failed", job_id)
        run.fail(f"The job stopped on an unexpected error: {error}")
        raise
    run.finish()


def _give_up(lost: heartbeat.Lost, why: str) -> bool:
    """A bulk job that kept losing its worker: failed, saying what to do."""
    return bool(
        lost.same(BulkJob).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error=(
                f"Its worker stopped {lost.recoveries + 1} times; the accounts with a result were "
                "handled, the others were not. Run the action again for them."
            ),
        )
    )


BULK_JOBS = runner.Kind(
    name="bulk_jobs",
    label="Bulk job",
    model=BulkJob,
    task="portal.jobs.tasks.run_bulk_job",
    argument="job_id",
    give_up=_give_up,
)
