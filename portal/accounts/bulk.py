"""Adding many accounts at once: the single-add rules and account building, applied set-wise.

Each row is checked with `rules.clean_values` (strict: the CSV's mandatory columns) and all rows
together with `rules.find_conflicts` (a few queries for the whole chunk). The rows that pass are
written in bulk inside the caller's transaction: numbers taken by a conditional UPDATE, accounts
by the tuple insert (`lib.bulkinsert`) from `services.build_accounts`, invitations created, one
audit event per account.
If another writer wins a race meanwhile (the database refuses a row), the chunk is redone row by
row, each in its own savepoint, and only the losing rows are reported: each row is whole or absent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from portal.accounts.models import Account, AccountStatus
from portal.accounts.outcomes import (
    InvitationOutcome,
    Problem,
    RowResult,
    invitation_text,
    message,
)
from portal.accounts.rules import (
    CONTACT_TAKEN,
    AccountValues,
    Problems,
    clean_values,
    find_conflicts,
)
from portal.accounts.selectors import lock_capacity
from portal.accounts.services import _integrity_message, build_accounts
from portal.audit import services as audit
from portal.lib.bulkinsert import insert_objects
from portal.lib.chunks import OneOf
from portal.lib.errors import DomainError
from portal.lib.phones import _prepare as plain_number
from portal.numbers.models import Number, NumberStatus
from portal.numbers.services import FREE, numbers_take

# The row outcomes by their short names (batches reads them too).
IMPORTED, VALID, EXISTS, FAILED = (
    RowResult.IMPORTED,
    RowResult.VALID,
    RowResult.EXISTS,
    RowResult.FAILED,
)


@dataclass(frozen=True)
class Inviting:
    """How Import & Invite invites the accounts it adds. invitations builds on accounts, so the
    caller hands its functions in (`batches.services.INVITING`)."""

    # (accounts=, capacity=) -> per account, why it cannot be invited ("" when it can).
    refusals: Callable[..., list[str]]
    # (accounts=) -> per account, (invitation id, channel) of the invitation queued for it.
    queue: Callable[..., list[tuple[int, str]]]


@dataclass
class RowOutcome:
    """What happened to one row: `result` is imported, valid (dry run), exists or failed;
    `invitation_outcome` whether its invitation was queued or not sent (why: `refusal`)."""

    row: int
    result: RowResult = RowResult.FAILED
    problems: Problems = field(default_factory=Problems)
    account_id: int | None = None
    multiline_number: str = ""
    invitation_outcome: InvitationOutcome | str = ""
    refusal: str = ""
    values: AccountValues | None = field(default=None, repr=False)
    note: str = ""
    invitation: str = ""  # the report's invitation column, made from the outcome (`_invite`)

    @property
    def reason(self) -> str:
        return self.problems.summary() or self.note


def accounts_add_many(
    *,
    actor,
    organization,
    permission_group,
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    invite: bool = False,
    inviting: Inviting | None = None,
    dry_run: bool = False,
    batch=None,
    seen: dict | None = None,
    row_problems: Mapping[int, str] | None = None,
) -> list[RowOutcome]:
    """Check and (unless `dry_run`) add the accounts of `rows` = [(row number, values by column)].

    Runs inside the caller's transaction. `seen` carries the earlier rows' contacts and numbers
    when a file is handled in chunks; `row_problems` adds a problem of the row's shape (e.g. too
    many cells). Rows whose email or device number already belongs to an account of this
    organization are reported as existing, not added twice. `invite` (Import & Invite) invites
    them with `inviting`.
    """
    if invite and inviting is None:
        raise ValueError("Import & Invite needs `inviting`, the invitations' functions.")
    if not dry_run:
        # Held to the commit: concurrent batches (and invitations) in this organization take turns
        # per chunk, so they never promise the same numbers, and each sees the other's accounts.
        lock_capacity([organization])
    outcomes = []
    cleaned = []
    known = _inventory(organization, [data.get("multiline_number") for _n, data in rows])
    for number, data in rows:
        values, problems = clean_values(organization, data, strict=True, known_numbers=known)
        if row_problems and row_problems.get(number):
            problems.add("row", row_problems[number])
        outcomes.append(RowOutcome(row=number, problems=problems, values=values))
        cleaned.append(values)
    conflicts = find_conflicts(
        organization, cleaned, actor=actor, row_numbers=[o.row for o in outcomes], seen=seen
    )
    _mark_existing(organization, outcomes, conflicts, batch, actor=actor)
    pending = []
    for outcome, conflict in zip(outcomes, conflicts):
        if outcome.result == EXISTS:
            continue
        for column, reasons in conflict.as_dict().items():
            for reason in reasons:
                outcome.problems.add(column, reason)
        if outcome.problems:
            outcome.result = FAILED
        elif dry_run:
            outcome.result = VALID
            outcome.multiline_number = outcome.values.multiline_number or ""
        else:
            pending.append(outcome)
    if pending:
        capacity = seen.setdefault("invitation_capacity", {}) if seen is not None else None
        _write_all(
            actor=actor,
            organization=organization,
            permission_group=permission_group,
            outcomes=pending,
            invite=inviting if invite else None,
            batch=batch,
            capacity=capacity,
        )
    return outcomes


def _inventory(organization, cells: list) -> dict:
    """The cells whose number is in the organization's inventory (one query): {cell: E.164}."""
    prepared = {}
    for cell in cells:
        if cell is not None and cell != "" and cell not in prepared:
            try:
                prepared[cell] = plain_number(cell)
            except (TypeError, ValueError):
                continue
    if not prepared:
        return {}
    # By the unique e164 index alone: with the organization in the query, SQLite may scan the
    # organization's whole inventory instead (29 µs a row at 100k numbers).
    held = {
        e164
        for e164, organization_id in Number.objects.filter(
            OneOf("e164", list(set(prepared.values()))[:5000], "text")
        ).values_list("e164", "organization_id")
        if organization_id == organization.pk
    }
    return {cell: e164 for cell, e164 in prepared.items() if e164 in held}


def _mark_existing(
    organization, outcomes: list[RowOutcome], conflicts: list[Problems], batch, *, actor=None
) -> None:
    """Rows whose contact already has an account in this organization (imported before), or in
    another organization of the caller's scope (moved there since: the same file uploaded again
    moves nothing back and says where the account is). Outside the scope it stays "not
    available"."""
    flagged = [(o, c) for o, c in zip(outcomes, conflicts) if CONTACT_TAKEN in c.codes]
    if not flagged:
        return
    emails = {o.values.email.lower() for o, _c in flagged if o.values.email}
    devices = {o.values.device_number for o, _c in flagged if o.values.device_number}
    found = (
        (
            Account.objects.visible_to(actor)
            .annotate(e=Lower("email"))
            .filter(Q(e__in=emails) | Q(device_number__in=devices))
            .values(
                "pk",
                "e",
                "device_number",
                "number__e164",
                "batch_id",
                "organization_id",
                "organization__name",
            )
        )
        if actor is not None
        else (
            Account.objects.annotate(e=Lower("email"))
            .filter(Q(e__in=emails) | Q(device_number__in=devices))
            .values(
                "pk",
                "e",
                "device_number",
                "number__e164",
                "batch_id",
                "organization_id",
                "organization__name",
            )
        )
    )
    by_key = {}
    for account in found:
        if account["e"]:
            by_key[account["e"]] = account
        if account["device_number"]:
            by_key[account["device_number"]] = account
    same_batch = [
        a["pk"] for a in by_key.values() if batch is not None and a["batch_id"] == batch.pk
    ]
    rows_of = {}
    if same_batch:
        rows_of = dict(
            batch.rows.filter(account_id__in=same_batch).values_list("account_id", "row")
        )
    for outcome, conflict in flagged:
        account = by_key.get(outcome.values.contact_key)
        if account is None:
            continue
        if account["pk"] in rows_of:
            conflict.by_column["email"] = [
                f"{outcome.values.contact_key} is also in row {rows_of[account['pk']]} of this "
                "upload"
            ]
            continue
        if outcome.problems:
            continue
        elsewhere = account["organization_id"] != organization.pk
        _exists(
            outcome,
            account["pk"],
            account["number__e164"],
            account["organization__name"] if elsewhere else organization,
            moved=elsewhere,
        )


def _exists(
    outcome: RowOutcome, account_id: int, number: str | None, organization, *, moved: bool = False
) -> None:
    outcome.result = EXISTS
    outcome.account_id = account_id
    outcome.multiline_number = number or ""
    outcome.note = f"{outcome.values.contact_key} already has an account in {organization}; " + (
        "nothing was moved or changed" if moved else "it was left unchanged"
    )


def _written_meanwhile(organization, outcome: RowOutcome) -> bool:
    """After a lost race: whether another writer has just added this row's person to this
    organization (the same email or device number). Then the row `exists`, like a row imported
    before; its own problems (none, since it passed the checks) are dropped."""
    values = outcome.values
    accounts = Account.objects.annotate(e=Lower("email"))
    found = (
        accounts.filter(e=values.email.lower())
        if values.email
        else accounts.filter(device_number=values.device_number)
    )
    found = found.values_list("pk", "organization_id", "number__e164").first()
    if found is None or found[1] != organization.pk:
        return False
    outcome.problems = Problems()
    _exists(outcome, found[0], found[2], organization)
    return True


def _write_all(
    *,
    actor,
    organization,
    permission_group,
    outcomes: list[RowOutcome],
    invite: Inviting | None,
    batch,
    capacity: dict | None = None,
) -> None:
    saved = dict(capacity) if capacity is not None else None
    # Written in one order whoever writes (numbers by e164, accounts by contact): two concurrent
    # chunks that share numbers or contacts wait for each other, never in a circle (no deadlock).
    outcomes = sorted(outcomes, key=lambda o: o.values.contact_key)
    try:
        with transaction.atomic():
            _write(
                actor=actor,
                organization=organization,
                permission_group=permission_group,
                outcomes=outcomes,
                invite=invite,
                batch=batch,
                capacity=capacity,
            )
        return
    except (IntegrityError, _RaceLost):
        _restore(capacity, saved)
    # Another writer won a race in this chunk: redo it row by row so only the losers fail, and a
    # row whose person another writer has just added here is reported `exists`.
    for outcome in outcomes:
        _reset(outcome)
        saved = dict(capacity) if capacity is not None else None
        try:
            with transaction.atomic():
                _write(
                    actor=actor,
                    organization=organization,
                    permission_group=permission_group,
                    outcomes=[outcome],
                    invite=invite,
                    batch=batch,
                    capacity=capacity,
                )
        except IntegrityError as error:
            _restore(capacity, saved)
            _reset(outcome)
            if not _written_meanwhile(organization, outcome):
                _fail(outcome, _integrity_message(error, outcome.values, actor))
        except _RaceLost as lost:
            _restore(capacity, saved)
            _reset(outcome)
            if not _written_meanwhile(organization, outcome):
                _fail(outcome, lost.error)


def _restore(capacity: dict | None, saved: dict | None) -> None:
    """Forget what a rolled-back attempt did to the carried invitation capacity."""
    if capacity is not None:
        capacity.clear()
        capacity.update(saved)


class _RaceLost(Exception):
    def __init__(self, error: DomainError):
        self.error = error


def _reset(outcome: RowOutcome) -> None:
    (
        outcome.result,
        outcome.account_id,
        outcome.multiline_number,
        outcome.invitation_outcome,
        outcome.refusal,
        outcome.invitation,
    ) = (FAILED, None, "", "", "", "")


def _fail(outcome: RowOutcome, error: DomainError) -> None:
    outcome.result = FAILED
    for column, reasons in (error.fields or {"row": [error.message]}).items():
        for reason in reasons:
            outcome.problems.add(column, reason)


def _take_numbers(organization, wanted: list[str]) -> tuple[dict[str, int], int]:
    """Take the wanted numbers: ({e164: pk}, how many of them were available rather than reserved).
    A number taken meanwhile makes the caller retry per row."""
    if not wanted:
        return {}, 0
    taken: dict[str, int] = {}
    available = 0
    wanted = sorted(wanted)
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        # By the unique e164 alone, the organization and the status checked here: with them in
        # the query, PostgreSQL, whose statistics lag behind an inventory just added, started
        # from the organization's (or every) free number for each chunk.
        found = Number.objects.filter(OneOf("e164", chunk, "text"))
        if connection.features.has_select_for_update:
            found = found.select_for_update(of=("self",)).order_by("e164")  # locked in this order
        ids = {}
        for e164, pk, status, organization_id in found.values_list(
            "e164", "pk", "status", "organization_id"
        ):
            if organization_id == organization.pk and status in FREE:
                ids[e164] = pk
                available += status == NumberStatus.AVAILABLE
        if len(ids) != len(chunk):
            lost = min(set(chunk) - set(ids))
            taken_message = message(Problem.NUMBER_TAKEN, number=lost)
            raise _RaceLost(
                DomainError(
                    taken_message,
                    fields={"multiline_number": [taken_message.rstrip(".")]},
                    code=Problem.NUMBER_TAKEN,
                )
            )
        if numbers_take(ids.values(), statuses=FREE, target=NumberStatus.ASSIGNED) != len(ids):
            raise _RaceLost(
                DomainError(
                    message(Problem.NUMBER_TAKEN, number=_("A number")),
                    fields={"multiline_number": [_("just taken by another account")]},
                    code=Problem.NUMBER_TAKEN,
                )
            )
        taken.update(ids)
    return taken, available


def _write(
    *,
    actor,
    organization,
    permission_group,
    outcomes: list[RowOutcome],
    invite: Inviting | None,
    batch,
    capacity: dict | None = None,
) -> None:
    numbers, available_taken = _take_numbers(
        organization, [o.values.multiline_number for o in outcomes if o.values.multiline_number]
    )
    accounts = build_accounts(
        organization=organization,
        permission_group=permission_group,
        values=[outcome.values for outcome in outcomes],
        batch=batch,
    )
    for account, outcome in zip(accounts, outcomes):
        if outcome.values.multiline_number:  # Taken above; no instance needed.
            account.number_id = numbers[outcome.values.multiline_number]
    refusals = None
    if invite:
        # Decided before the insert, so that the invitable accounts are written `invited` at once.
        if capacity is not None:
            capacity["taken"] = capacity.get("taken", 0) + available_taken
        refusals = invite.refusals(accounts=accounts, capacity=capacity)
        for account, refusal in zip(accounts, refusals):
            if not refusal:
                account.status = AccountStatus.INVITED
    insert_objects(Account, accounts)
    batch_id = batch.pk if batch is not None else None
    for account, outcome in zip(accounts, outcomes):
        outcome.result = IMPORTED
        outcome.account_id = account.pk
        outcome.multiline_number = outcome.values.multiline_number or ""
    invitations = [None] * len(accounts)
    if invite:
        invitations = _invite(invite, accounts=accounts, outcomes=outcomes, refusals=refusals)
    # One event per account; with Import & Invite it says whether its invitation was queued.
    group = permission_group.name
    audit.record_many(
        audit.rows(
            actor=actor,
            action="account.create",
            organization=organization,
            batch_id=batch_id,
            items=[
                (
                    account,
                    {
                        "number": outcome.values.multiline_number,
                        "permission_group": group,
                        "invite": invite is not None,
                        "row": outcome.row,
                        **(invitation or {}),
                    },
                )
                for account, outcome, invitation in zip(accounts, outcomes, invitations)
            ],
        )
    )


def _invite(
    inviting: Inviting, *, accounts: list[Account], outcomes: list[RowOutcome], refusals: list[str]
) -> list[dict]:
    """Queue the invitations of the accounts cleared by `refusals`, in the rows' transaction (the
    worker sends them after commit). A row that cannot be invited keeps its account and says why in
    the report. Returns, per account, what its audit event records about the invitation."""
    queued = iter(inviting.queue(accounts=[a for a, r in zip(accounts, refusals) if not r]))
    recorded = []
    words: dict[str, str] = {}  # a chunk has a few refusal reasons: their words made once each
    for outcome, refusal in zip(outcomes, refusals, strict=True):
        if refusal not in words:
            words[refusal] = invitation_text(
                InvitationOutcome.NOT_SENT if refusal else InvitationOutcome.QUEUED, refusal
            )
        outcome.invitation = words[refusal]
        if refusal:
            outcome.invitation_outcome, outcome.refusal = InvitationOutcome.NOT_SENT, refusal
            recorded.append({"invitation": outcome.invitation})
        else:
            invitation_id, channel = next(queued)
            outcome.invitation_outcome = InvitationOutcome.QUEUED
            recorded.append(
                {
                    "invitation": outcome.invitation,
                    "invitation_id": invitation_id,
                    "channel": channel,
                }
            )
    return recorded
