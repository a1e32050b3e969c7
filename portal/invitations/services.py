"""Invitations: who may be invited, queuing invitations, delivering them, resending, activating.

Delivery is a small state machine, every step a conditional UPDATE:
queued → sending (claimed by one worker: attempts + 1, a NEW link token and code) → sent,
or → queued again with a later `run_after` (temporary failure), or → failed (permanent failure,
or too many attempts; the account becomes `invitation_failed` with the reason).
Because the token is made when the message is sent, a retry or a resend after a crash leaves only
the last message's link working; a resend revokes the old invitation first (its link then says
"replaced"). Two workers never send the same invitation: only one claim can win.
"""

from __future__ import annotations

import logging
import random
import re
import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from portal.access.models import Privilege, hash_token
from portal.access.scoping import require_privilege
from portal.accounts.models import Account, AccountStatus
from portal.accounts.outcomes import ActionResult
from portal.accounts.selectors import lock_capacity, onboarding_capacity
from portal.audit import services as audit
from portal.audit.models import AuditEvent
from portal.invitations import content
from portal.invitations.models import (
    LIVE_STATES,
    Channel,
    Invitation,
    InvitationState,
    InvitationTemplate,
)
from portal.invitations.tasks import send_invitation, send_invitations, send_test_invitation
from portal.lib import emails, heartbeat, mail, sms
from portal.lib.bulkinsert import insert_rows  # Lean multi-row INSERT (batch imports).
from portal.lib.dates import when
from portal.lib.dberrors import unique_field, violated
from portal.lib.errors import Conflict, DomainError
from portal.lib.phones import PhoneError, looks_like_phone, to_e164
from portal.lib.redact import scrub
from portal.lib.taskqueue import waiting_values
from portal.lib.tasks import again_on_disconnect
from portal.numbers.models import Number, NumberStatus
from portal.numbers.services import numbers_take
from portal.organizations.models import Organization

log = logging.getLogger(__name__)

LIVE = LIVE_STATES
RETRY_DELAYS = (30, 120, 600, 1800, 3600)  # seconds before attempt 2, 3, 4, 5, 6…
MAX_ATTEMPTS = 6
CODE_MAX_FAILURES = 10
CHUNK = 200  # invitations per delivery task in the bulk path (one SMTP connection each)
RESEND_WINDOW = 10  # seconds: inviting again within them keeps the invitation just made


class Gone(DomainError):
    """The invitation cannot be used any more (expired, used, replaced…)."""

    status = 410

    def __init__(self, message: str, *, reason: str, expires_at=None):
        super().__init__(message, code=reason, fields={"token": [reason]})
        self.reason = reason
        self.expires_at = expires_at


def max_attempts() -> int:
    return int(getattr(settings, "INVITATION_MAX_ATTEMPTS", MAX_ATTEMPTS))


def retry_delay(attempts: int) -> int:
    delays = getattr(settings, "INVITATION_RETRY_DELAYS", RETRY_DELAYS)
    return int(delays[min(max(attempts, 1) - 1, len(delays) - 1)])


# ---------------------------------------------------------------- who may be invited


def domain_refusal(organization, email: str | None) -> str | None:
    if email and organization.allowed_email_domains.split() and organization.email_domains:
        domain = email.rsplit("@", 1)[-1].lower()
        if domain not in organization.email_domains:
            return (
                f"{email} cannot be invited: {organization} only invites addresses at "
                f"{', '.join(organization.email_domains)}."
            )
    return None


def capacity_refusal(organization) -> str:
    return (
        f"Cannot invite: {organization} has no available number left for this user to pick "
        f"at activation. Assign a number, or add numbers to {organization}."
    )


def check_can_invite(*, organization, email: str | None, has_number: bool) -> None:
    """Inviting needs an allowed email domain, and a number for the account or onboarding capacity
    left in the organization."""
    refusal = domain_refusal(organization, email)
    if refusal:
        raise DomainError(refusal, fields={"email": ["domain not allowed for invitations"]})
    if not has_number and onboarding_capacity(organization) <= 0:
        raise Conflict(
            capacity_refusal(organization),
            fields={"multiline_number": ["no available number in the organization"]},
        )


@dataclass
class Refusal:
    field: str
    message: str
    conflict: bool = True  # 409 (state of things) rather than 400 (the value given)


def _refusal(account: Account, remaining: dict[int, int]) -> Refusal | None:
    """Why `account` cannot be (re)invited now, or None. `remaining` tracks capacity
    per organization as accounts without a number are invited one after the other."""
    if account.status == AccountStatus.ACTIVE:
        return Refusal(
            "status", "Already active: MultiLine was activated with an earlier invitation."
        )
    if account.status == AccountStatus.SUSPENDED:
        return Refusal("status", "Suspended: reactivate the account before inviting it.")
    organization = account.organization
    refusal = domain_refusal(organization, account.email)
    if refusal:
        return Refusal("email", refusal, conflict=False)
    if account.number_id is None:
        if organization.pk not in remaining:
            remaining[organization.pk] = onboarding_capacity(organization)
        if account.status == AccountStatus.NOT_INVITED:
            if remaining[organization.pk] <= 0:
                return Refusal("multiline_number", capacity_refusal(organization))
            remaining[organization.pk] -= 1
        elif (
            remaining[organization.pk] < 0
        ):  # already counted as waiting; more waiting than numbers
            return Refusal("multiline_number", capacity_refusal(organization))
    return None


# ---------------------------------------------------------------- queuing


def new_code() -> str:
    return f"{secrets.randbelow(10**8):08d}"


def code_hash(invitation_id: int, code: str) -> str:
    return salted_hmac("invitation-code", f"{invitation_id}:{code}", algorithm="sha256").hexdigest()


INVITATION_COLUMNS = ("account_id", "channel", "recipient", "token_hash", "expires_at")


def _invitation_rows(accounts: list[Account], now) -> list[tuple]:
    """New invitations' values (INVITATION_COLUMNS): one builder for the single and the bulk
    path. Each expires after its organization's validity (worked out once per organization)."""
    expiry: dict[int, datetime] = {}
    rows = []
    for account in accounts:
        organization_id = account.organization_id
        if organization_id not in expiry:
            days = account.organization.invitation_validity_days
            expiry[organization_id] = now + timedelta(days=days)
        rows.append(
            (
                account.pk,
                Channel.EMAIL if account.email else Channel.SMS,
                account.contact,
                None,  # token_hash: made when the message is sent; no link matches a queued one.
                expiry[organization_id],
            )
        )
    return rows


def _enqueue(invitation_ids: list[int]) -> None:
    if len(invitation_ids) == 1:
        send_invitation.enqueue(invitation_id=invitation_ids[0])
    else:
        send_invitations.enqueue(invitation_ids=invitation_ids)


def _enqueue_chunks(invitation_ids: list[int]) -> None:
    """One delivery task per CHUNK invitations, queued
    together (one commit with the database backend)."""
    with transaction.atomic():
        for start in range(0, len(invitation_ids), CHUNK):
            _enqueue(invitation_ids[start : start + CHUNK])


def account_invite(*, actor, account: Account) -> Invitation:
    """Invite one account (Save & Invite, Resend of one): `accounts_invite_many` of one, with its
    refusal raised (409 for the state of things, 400 for the value given)."""
    [(_account, invitation, refusal)] = _invite(actor=actor, accounts=[account], action=None)
    if invitation is None:
        error = Conflict if refusal.conflict else DomainError
        raise error(refusal.message, fields={refusal.field: [refusal.message]})
    return invitation


def accounts_invite_many(
    *, actor, accounts, action: str = "invitation.queue", batch_id: int | None = None
) -> list[tuple[Account, Invitation | None, str]]:
    """Invite many accounts at once: one result (account, invitation or None, reason) per account.

    Refusals (active, suspended, domain not allowed, no number capacity) are reported, not raised.
    The invitations are written with one bulk insert; their delivery is queued after commit as one
    `send_invitations` task per CHUNK invitations, each sending over a single SMTP connection.
    One `action` audit event per invited account.
    """
    return [
        (account, invitation, refusal.message if refusal else "")
        for account, invitation, refusal in _invite(
            actor=actor, accounts=list(accounts), action=action, batch_id=batch_id
        )
    ]


def resend_window() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "INVITATION_RESEND_WINDOW", RESEND_WINDOW)))


def _on_its_way(live: Invitation | None, account: Account, now) -> bool:
    """Whether a live invitation already does what a new one would, so that inviting again sends
    nothing more: not sent yet (queued, never tried, or being sent now: its message will carry a
    fresh link), or queued or sent within the last `INVITATION_RESEND_WINDOW` seconds (a double
    click, two admins, a retried request) — to the account's contact of now."""
    if live is None or live.recipient != account.contact:
        return False
    if live.state == InvitationState.SENDING and live.claimed_at:
        # Being sent by a live worker (its heartbeat is recent; see _lost_sending).
        last = live.heartbeat_at or live.claimed_at
        return last > now - timedelta(seconds=settings.WORKER_DEAD_AFTER)
    if live.state == InvitationState.QUEUED and not live.attempts:
        return True
    return live.created_at > now - resend_window()


def _invite(
    *, actor, accounts: list[Account], action: str | None, batch_id: int | None = None
) -> list[tuple[Account, Invitation | None, Refusal | None]]:
    """The one way existing accounts are invited (single, bulk, resend): per account, its live
    invitation (new, or one already on its way) or why not.

    In one transaction: the capacity lock of the accounts' organizations, then the accounts'
    rows (FOR UPDATE, in id order) read afresh, then the refusals and the writes. So
    concurrent invitations of one account serialise (one live link, one email) and concurrent
    invitations in one organization never promise the same numbers. `action` None: the event is
    `invitation.resend` when a live invitation was replaced, else `invitation.queue`.
    """
    if not accounts:
        return []
    now = timezone.now()
    with transaction.atomic():
        lock_capacity(a.organization for a in accounts)
        rows = (
            Account.objects.select_for_update()
            .filter(pk__in=[a.pk for a in accounts])
            .order_by("pk")
            .values_list("pk", "status", "number_id")
        )
        fresh = {pk: (status, number_id) for pk, status, number_id in rows}
        live = {
            i.account_id: i
            for i in Invitation.objects.filter(account_id__in=list(fresh), state__in=LIVE)
        }
        remaining: dict[int, int] = {}
        outcome: dict[int, tuple[Invitation | None, Refusal | None]] = {}
        eligible: list[Account] = []
        for account in accounts:
            if account.pk not in fresh:
                outcome[account.pk] = (None, Refusal("id", "This account no longer exists."))
                continue
            account.status, account.number_id = fresh[account.pk]
            refusal = _refusal(account, remaining)
            if refusal:
                outcome[account.pk] = (None, refusal)
            elif _on_its_way(live.get(account.pk), account, now):
                outcome[account.pk] = (live[account.pk], None)
            elif account.pk not in outcome:
                outcome[account.pk] = (None, None)
                eligible.append(account)
        if eligible:
            replacing = {a.pk: live[a.pk] for a in eligible if a.pk in live}
            created = _queue(
                actor=actor,
                accounts=eligible,
                action=action,
                batch_id=batch_id,
                replacing=replacing,
                now=now,
            )
            outcome.update({pk: (invitation, None) for pk, invitation in created.items()})
    return [(account, *outcome[account.pk]) for account in accounts]


def _queue(
    *, actor, accounts: list[Account], action: str | None, batch_id, replacing: dict, now
) -> dict[int, Invitation]:
    """Revoke the live invitations being replaced, insert the new ones (one statement), mark the
    accounts invited, record one event per account, queue delivery after commit."""
    if replacing:
        Invitation.objects.filter(pk__in=[i.pk for i in replacing.values()], state__in=LIVE).update(
            state=InvitationState.REVOKED, revoked_at=now
        )
    rows = _invitation_rows(accounts, now)
    new_ids = insert_rows(Invitation, INVITATION_COLUMNS, rows, returning=True)
    created = {}
    for account, pk, row in zip(accounts, new_ids, rows):
        invitation = Invitation(id=pk, **dict(zip(INVITATION_COLUMNS, row)))
        invitation.account, invitation.created_at, invitation._state.adding = account, now, False
        created[account.pk] = invitation
        if account.pk in replacing:
            Invitation.objects.filter(pk=replacing[account.pk].pk).update(replaced_by_id=pk)
    Account.objects.filter(pk__in=list(created)).exclude(
        status__in=(AccountStatus.ACTIVE, AccountStatus.SUSPENDED)
    ).update(status=AccountStatus.INVITED, status_reason="", updated_at=now)
    for account in accounts:
        account.status, account.status_reason = AccountStatus.INVITED, ""

    def event(account: Account) -> str:
        return action or ("invitation.resend" if account.pk in replacing else "invitation.queue")

    audit.record_many(
        audit.row(
            actor=actor,
            target=a,
            batch_id=batch_id,
            action=event(a),
            data={
                "invitation": created[a.pk].pk,
                "channel": created[a.pk].channel,
                "revoked": [replacing[a.pk].pk] if a.pk in replacing else [],
            },
        )
        for a in accounts
    )
    transaction.on_commit(lambda: _enqueue_chunks(new_ids))
    return created


def accounts_invitation_refusals(*, accounts, capacity: dict | None = None) -> list[str]:
    """For accounts a batch import is about to create (built, not saved yet): why each cannot be
    invited ("" when it can), by the same `_refusal` as every invitation. The caller writes the
    invitable ones with status `invited` and then calls `accounts_queue_invitations` for them, so
    no UPDATE of their status follows. `capacity` carries the onboarding capacity from one chunk to
    the next (see `_capacity`); it is counted after the chunk's numbers were taken."""
    accounts = list(accounts)
    remaining = _capacity(capacity, accounts)
    reasons = []
    for account in accounts:
        refusal = _refusal(account, remaining)
        reasons.append(refusal.message if refusal else "")
    if capacity is not None:
        capacity["remaining"] = remaining
    return reasons


def accounts_queue_invitations(*, accounts) -> list[tuple[int, str]]:
    """Queue an invitation for each account a batch import has just created in this transaction,
    with status `invited` and cleared by `accounts_invitation_refusals`: (invitation id, channel)
    per account. No audit event of its own (the caller records the invitation in the event of the
    account it creates); being new, the accounts have no live invitation to revoke. Delivery is
    queued after commit, one task per CHUNK invitations."""
    accounts = list(accounts)
    if not accounts:
        return []
    now = timezone.now()
    rows = _invitation_rows(accounts, now)
    ids = insert_rows(Invitation, INVITATION_COLUMNS, rows, returning=True)
    if _tasks_in_this_database():
        # Committed with the invitations: one commit for both, and never one without the other.
        for start in range(0, len(ids), CHUNK):
            _enqueue(ids[start : start + CHUNK])
    else:
        transaction.on_commit(lambda: _enqueue_chunks(ids))
    return [(pk, row[1]) for pk, row in zip(ids, rows)]


def _tasks_in_this_database() -> bool:
    """Whether delivery tasks are rows of the invitations' own database (the database task backend):
    then they can be queued inside the transaction that writes the invitations, since no worker sees
    them before it commits. Other backends (RQ) get them after commit."""
    from django.db import router
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    return isinstance(send_invitations.get_backend(), DatabaseBackend) and router.db_for_write(
        DBTaskResult
    ) == router.db_for_write(Invitation)


def _capacity(capacity: dict | None, accounts: list[Account]) -> dict[int, int]:
    """The onboarding capacity left per organization, as `_refusal` tracks it.

    Without `capacity` it is counted afresh (`onboarding_capacity`). A batch passes the same dict
    for each chunk: the count left by the previous chunk is carried over (and lowered by the
    numbers this batch took meanwhile, `capacity["taken"]`), as long as no other connection has
    committed anything since. SQLite's `data_version` tells that exactly; elsewhere, or when it
    changed, the capacity is counted again, inside this chunk's transaction.
    """
    if capacity is None:
        return {}
    from django.db import connection

    version = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            version = cursor.execute("PRAGMA data_version").fetchone()[0]
    taken = capacity.pop("taken", 0)
    carried = capacity.get("remaining")
    if version is None or carried is None or capacity.get("version") != version:
        carried = {}
    else:
        carried = {org: left - taken for org, left in carried.items()}
    capacity["version"] = version
    return carried


@dataclass
class ResendResult:
    account: Account
    result: str  # done | skipped
    reason: str = ""
    invitation: Invitation | None = None

    def as_dict(self) -> dict:
        return {
            "id": self.account.pk,
            "account": str(self.account),
            "contact": self.account.contact,
            "result": self.result,
            "reason": self.reason,
            "invitation": self.invitation.pk if self.invitation else None,
        }


def invitations_resend(*, actor, accounts, by_filter: bool = False) -> list[ResendResult]:
    """Resend Invitation: revoke each account's live invitation and send a new one. Per account:
    `done`, or `skipped` with the reason (active, suspended, domain not allowed, no number…).
    More than one account, or a filter, needs Accounts Bulk Operations (one needs Accounts)."""
    accounts = list(
        accounts.select_related("organization", "number")
        if hasattr(accounts, "select_related")
        else accounts
    )
    if actor is not None and (by_filter or len(accounts) > 1):
        require_privilege(actor, Privilege.ACCOUNTS_BULK)
    results = accounts_invite_many(actor=actor, accounts=accounts, action="invitation.resend")
    return [
        ResendResult(
            account=a,
            result=ActionResult.DONE if inv else ActionResult.SKIPPED,
            reason="" if inv else reason,
            invitation=inv,
        )
        for a, inv, reason in results
    ]


# ---------------------------------------------------------------- delivery (runs in the worker)


def activation_link(token: str) -> str:
    if _URL_SAFE.fullmatch(token):  # as reverse() writes it: around it, what every link shares
        before, after = _link_around(
            settings.PUBLIC_URL, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix()
        )
        return before + token + after
    return settings.PUBLIC_URL + reverse("activation:link", args=[token])


_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")  # a token's characters (token_urlsafe), never quoted
_LINK_MARK = "linkmark0of0activation0link"


@lru_cache(maxsize=16)
def _link_around(public_url: str, root_urlconf, urlconf, script_prefix: str) -> tuple[str, str]:
    """What comes before and after the token in an activation link (reverse() once, not per
    message: ~30 µs)."""
    link = public_url + reverse("activation:link", args=[_LINK_MARK], urlconf=urlconf)
    before, _mark, after = link.partition(_LINK_MARK)
    return before, after


def values_for(invitation: Invitation, *, token: str, code: str) -> content.Values:
    account = invitation.account
    return content.Values(
        first_name=account.first_name,
        last_name=account.last_name,
        activation_link=activation_link(token),
        activation_code=code,
        multiline_number=account.number.e164 if account.number_id else "",
        organization=account.organization.name,
        expires_on=invitation.expires_at,
        language=content.language_of(account),
        time_zone=account.organization.time_zone,
    )


TOKEN_BYTES = 32  # an activation link's secret: 43 URL-safe characters


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def sms_length_of(wording: content.Wording, values: content.Values):
    """The length, in segments, of an SMS as sent: with a link as long as a real one."""
    real = replace(values, activation_link=activation_link("x" * len(new_token())))
    return sms.sms_length(content.render_sms(wording, real))


CLAIM_GROUP = CHUNK  # invitations claimed together (one transaction) by a delivery task


def _claim_many(invitations: list[Invitation]) -> dict[int, tuple[str, str]]:
    """Take these invitations for sending, in one transaction: one worker wins each. Returns the
    new (token, code) of each invitation won, by id."""
    if not invitations:
        return {}
    now = timezone.now()
    claims: dict[int, tuple[str, str]] = {}
    with transaction.atomic():
        claimable = Invitation.objects.filter(
            Q(state=InvitationState.QUEUED) | _lost_sending(now), pk__in=[i.pk for i in invitations]
        )
        connection = transaction.get_connection()
        if connection.features.has_select_for_update_skip_locked:
            claimable = claimable.select_for_update(skip_locked=True)  # being claimed elsewhere
        won = set(claimable.values_list("pk", flat=True))
        if not won:
            return claims
        adapt = connection.ops.adapt_datetimefield_value
        rows = []
        for invitation in invitations:
            if invitation.pk not in won or invitation.pk in claims:
                continue
            token, code = new_token(), new_code()
            validity = invitation.account.organization.invitation_validity_days
            expires_at = now + timedelta(days=validity)
            rows.append(
                (
                    hash_token(token),
                    code_hash(invitation.pk, code),
                    adapt(expires_at),
                    invitation.pk,
                )
            )
            claims[invitation.pk] = (token, code)
            invitation.state, invitation.claimed_at = InvitationState.SENDING, now
            invitation.expires_at = expires_at
            invitation.attempts += 1
        # The claim and each its own link and code: one UPDATE of each row (a new row version
        # and its index entries are PostgreSQL's work for every UPDATE), in one statement.
        claim = (
            "UPDATE {table} SET {state} = %s, {attempts} = {attempts} + 1, {claimed_at} = %s, "
            "{heartbeat_at} = %s, {code_failures} = 0, {next_attempt_at} = NULL, "
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Arrays of the values, not one statement per row: each statement costs
                # PostgreSQL ~0.1–0.2 ms on a busy machine.
                cursor.execute(
                    _sql(
                        claim.replace("{attempts} + 1", "{table}.{attempts} + 1")
                        + "{token_hash} = v.token_hash, {code_hash} = v.code_hash, "
                        "{expires_at} = v.expires_at "
                        "FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::bigint[]) "
                        "AS v(token_hash, code_hash, expires_at, id) WHERE {table}.{id} = v.id",
                        connection,
                    ),
                    [InvitationState.SENDING, now, now, *(list(column) for column in zip(*rows))],
                )
            else:
                cursor.executemany(
                    _sql(
                        claim + "{token_hash} = %s, {code_hash} = %s, {expires_at} = %s "
                        "WHERE {id} = %s",
                        connection,
                    ),
                    [(InvitationState.SENDING, adapt(now), adapt(now), *row) for row in rows],
                )
    return claims


def _sql(template: str, connection) -> str:
    """`template` with the invitations' table and column names, quoted."""
    meta = Invitation._meta
    names = {f.attname: connection.ops.quote_name(f.column) for f in meta.concrete_fields}
    return template.format(table=connection.ops.quote_name(meta.db_table), **names)


def _lost_sending(now) -> Q:
    """`sending`, but its worker's heartbeat stopped WORKER_DEAD_AFTER ago (killed mid-send)."""
    cutoff = now - timedelta(seconds=settings.WORKER_DEAD_AFTER)
    return Q(state=InvitationState.SENDING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, claimed_at__lt=cutoff)
    )


class _SentRecords:
    """The "sent" records of a delivery task, written in groups: when INVITATION_SENT_GROUP
    messages are waiting or the oldest has waited INVITATION_SENT_WAIT_MS (checked after each
    message), and at the end of each claimed group, whatever happens. One transaction per group
    instead of one per message; the price: a worker killed before a group's record sends that
    group again (with new links: the first ones are dead). A dropped connection does not: the
    group is written again on a new connection."""

    def __init__(self):
        self.waiting: list[tuple[int, object]] = []  # (invitation id, sent at)
        self.since = 0.0

    def add(self, invitation: Invitation) -> None:
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.append((invitation.pk, timezone.now()))
        if (
            len(self.waiting) >= settings.INVITATION_SENT_GROUP
            or (time.monotonic() - self.since) * 1000 >= settings.INVITATION_SENT_WAIT_MS
        ):
            self.flush()

    def flush(self) -> None:
        if self.waiting:
            rows, self.waiting = self.waiting, []
            again_on_disconnect(lambda: _write_sent(rows))


def _write_sent(rows: list[tuple[int, object]]) -> None:
    """One transaction for these "sent" records (plain SQL: the ORM would compile the same UPDATE
    for every message, ~0.3 ms)."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        # Its commit does not wait for the disk: only a crash of the database server itself
        # could lose the last records, and send those again.
        local = "SET LOCAL synchronous_commit TO OFF"
        # One UPDATE of the whole group (arrays of the ids and times), not one per row.
        update = _sql(
            "UPDATE {table} SET {state} = %s, {sent_at} = v.sent_at, {last_error} = '' "
            "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, sent_at) "
            "WHERE {table}.{id} = v.id AND {table}.{state} = %s",
            connection,
        )
        params = [
            InvitationState.SENT,
            [pk for pk, _sent_at in rows],
            [sent_at for _pk, sent_at in rows],
            InvitationState.SENDING,
        ]
        with connection.cursor() as cursor:
            if not connection.in_atomic_block and _simple_queries(connection):
                # One round trip instead of four (BEGIN, SET, UPDATE, COMMIT): the two statements
                # of one simple query are one transaction of their own.
                cursor.execute(f"{local}; {update}", params)
                return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(local)
            cursor.execute(update, params)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        adapt = connection.ops.adapt_datetimefield_value
        cursor.executemany(
            _sql(
                "UPDATE {table} SET {state} = %s, {sent_at} = %s, {last_error} = '' "
                "WHERE {id} = %s AND {state} = %s",
                connection,
            ),
            [
                (InvitationState.SENT, adapt(sent_at), pk, InvitationState.SENDING)
                for pk, sent_at in rows
            ],
        )


def _simple_queries(connection) -> bool:
    """Whether this PostgreSQL connection binds parameters itself (Django's default, not the
    `server_side_binding` option): its queries are simple ones, which may hold two statements."""
    import psycopg

    connection.ensure_connection()
    return issubclass(connection.connection.cursor_factory, psycopg.ClientCursor)


def _mark_failed(invitation: Invitation, error) -> int | None:
    """Record a failed attempt. Returns the delay before the retry, or None when it gave up."""
    now = timezone.now()
    reason = error.reason[:400]
    if error.temporary and invitation.attempts < max_attempts():
        delay = retry_delay(invitation.attempts)
        updated = Invitation.objects.filter(pk=invitation.pk, state=InvitationState.SENDING).update(
            state=InvitationState.QUEUED,
            last_error=reason,
            next_attempt_at=now + timedelta(seconds=delay),
        )
        return delay if updated else None
    if error.temporary:
        reason = f"{reason} (gave up after {invitation.attempts} attempts)"
    with transaction.atomic():
        if (
            Invitation.objects.filter(pk=invitation.pk, state=InvitationState.SENDING).update(
                state=InvitationState.FAILED, failed_at=now, last_error=reason
            )
            == 1
        ):
            Account.objects.filter(pk=invitation.account_id, status=AccountStatus.INVITED).update(
                status=AccountStatus.INVITATION_FAILED,
                status_reason=f"Invitation failed: {reason}"[:500],
            )
            audit.record(
                actor=None,
                action="invitation.failed",
                target=invitation.account,
                data={
                    "invitation": invitation.pk,
                    "attempts": invitation.attempts,
                    "reason": reason,
                },
            )
    return None


class _Sender:
    """Sends the messages of one task: emails over the worker's kept SMTP connection, each one's
    final reply read while the next is prepared (`mail.Outgoing`), SMS one by one with one SMS
    backend; the wording looked up once per task."""

    def __init__(self):
        self.sms_backend = None
        self.wordings: dict[tuple, content.Wording] = {}
        self.outgoing = mail.Outgoing()

    def wording(self, account: Account, channel: str) -> content.Wording:
        key = (account.organization_id, content.language_of(account), channel)
        if key not in self.wordings:
            self.wordings[key] = content.wording_for(account.organization, key[1], channel)
        return self.wordings[key]

    def values(self, invitation: Invitation, *, token: str, code: str) -> content.Values:
        """What goes into the invitation's message (with its new link and code)."""
        return values_for(invitation, token=token, code=code)

    def send_sms(self, invitation: Invitation, *, token: str, code: str) -> None:
        values = self.values(invitation, token=token, code=code)
        if self.sms_backend is None:
            self.sms_backend = sms.get_backend()
        sms.send_sms(
            to=invitation.recipient,
            text=content.render_sms(self.wording(invitation.account, Channel.SMS), values),
            backend=self.sms_backend,
        )

    def email(self, invitation: Invitation, *, token: str, code: str):
        """The invitation's email, built (not sent)."""
        values = self.values(invitation, token=token, code=code)
        rendered = content.render_email(self.wording(invitation.account, Channel.EMAIL), values)
        return emails.invitation_message(
            to=invitation.recipient,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            images=rendered.images,
            sender=content.sender_of(invitation.account.organization),
        )

    def close(self) -> None:
        """The connection stays open for the worker's next task."""


def deliver_invitations(*, invitation_ids: list[int]) -> dict[str, int]:
    """Send these invitations (the task's body). Returns counts: sent, retry, failed, skipped."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    retry: dict[int, list[int]] = {}
    sender = _Sender()
    # Its queued invitations carry this task's heartbeat while it runs; the sweep leaves them alone.
    # The first claim writes the heartbeat of what it takes: a first beat of its own only when
    # some will wait for a later claim.
    first = len(set(invitation_ids)) > CLAIM_GROUP
    with heartbeat.hold(Invitation, invitation_ids, beat_now=first, state=InvitationState.QUEUED):
        try:
            counts = _deliver(invitation_ids, sender, counts, retry)
        finally:
            sender.close()
    for delay, ids in retry.items():
        send_invitations.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
            invitation_ids=ids
        )
    return counts


def _deliver(
    invitation_ids: list[int], sender: _Sender, counts: dict[str, int], retry: dict[int, list[int]]
) -> dict[str, int]:
    """Claim and send each invitation in turn; temporary failures are collected in `retry`."""
    rows = Invitation.objects.filter(
        pk__in=invitation_ids, state__in=(InvitationState.QUEUED, InvitationState.SENDING)
    ).select_related("account__organization", "account__number")
    pending = {invitation.pk: invitation for invitation in rows}
    counts["skipped"] = len(invitation_ids) - len(pending)
    ordered = [pending[pk] for pk in dict.fromkeys(invitation_ids) if pk in pending]
    counts["skipped"] += sum(pk in pending for pk in invitation_ids) - len(ordered)  # given twice
    outcomes = _Outcomes(counts, retry, _SentRecords())
    for start in range(0, len(ordered), CLAIM_GROUP):
        group = ordered[start : start + CLAIM_GROUP]
        claims = _claim_many(group)
        counts["skipped"] += len(group) - len(claims)  # sent, revoked or taken by another worker
        claimed = time.monotonic()
        with heartbeat.hold(Invitation, list(claims), state=InvitationState.SENDING) as held:
            in_flight = None  # (invitation, token, code) whose text went out, its reply unread
            try:
                for invitation in group:
                    if invitation.pk not in claims:
                        continue
                    if time.monotonic() - claimed > heartbeat.dead_after() / 3:
                        # A slow server: beat the claims still waiting (a worker's pulse does too).
                        heartbeat.beat_now(held)
                        claimed = time.monotonic()
                    in_flight = _deliver_one(
                        invitation, claims[invitation.pk], sender, in_flight, outcomes
                    )
            finally:
                try:
                    if in_flight is not None:
                        outcomes.record(*in_flight, sender.outgoing.collect())
                finally:
                    outcomes.records.flush()  # What went out is recorded, even after a failure.
    return counts


def _deliver_one(
    invitation: Invitation, claim: tuple[str, str], sender: _Sender, in_flight, outcomes
):
    """Prepare this invitation's message while the server takes the one in flight, then read
    that one's reply (its outcome recorded) and send this one up to its final reply. Returns
    what is in flight now."""
    token, code = claim
    try:
        if invitation.channel == Channel.SMS:
            message = None
        else:
            message = sender.email(invitation, token=token, code=code)
    except Exception as exc:  # a bug must not leave the invitation "sending" forever
        log.exception("Invitation %s could not be sent", invitation.pk)
        outcomes.record(invitation, token, code, exc)
        return in_flight
    if in_flight is not None:
        outcomes.record(*in_flight, sender.outgoing.collect())
    try:
        if message is None:
            sender.send_sms(invitation, token=token, code=code)
        else:
            sender.outgoing.start(message)
            return (invitation, token, code)
    except Exception as exc:
        if not isinstance(exc, (mail.DeliveryError, sms.SmsError)):
            log.exception("Invitation %s could not be sent", invitation.pk)
        outcomes.record(invitation, token, code, exc)
    else:
        outcomes.record(invitation, token, code, None)
    return None


@dataclass
class _Outcomes:
    counts: dict[str, int]
    retry: dict[int, list[int]]
    records: _SentRecords

    def record(self, invitation: Invitation, token: str, code: str, error) -> None:
        """Sent (None), or failed with `error`: retried later or given up."""
        if error is None:
            self.records.add(invitation)
            self.counts["sent"] += 1
            return
        if not isinstance(error, (mail.DeliveryError, sms.SmsError)):
            error = mail.DeliveryError(
                f"Internal error: {error.__class__.__name__}", temporary=True
            )
        else:
            error.reason = scrub(error.reason, token, code)  # a gateway may echo the message
            log.warning(
                "Invitation %s attempt %s failed: %s",
                invitation.pk,
                invitation.attempts,
                error.reason,
            )
        delay = _mark_failed(invitation, error)
        if delay is None:
            self.counts["failed"] += 1
        else:
            self.counts["retry"] += 1
            self.retry.setdefault(delay, []).append(invitation.pk)


def invitations_requeue_stale(*, exclude: set[int] = frozenset()) -> int:
    """The sweep's part for invitations: queue again those no live task will send. That is `queued`
    and due for WORKER_DEAD_AFTER with no task waiting for it and no running task holding it (its
    task failed, was lost, or its worker died), or `sending` with its worker's heartbeat stopped
    that long (killed mid-send: it is sent again, with a new link). Safe from many workers at once:
    the rows are taken in a transaction (skipping rows another sweep has locked) and the claim at
    sending decides who sends. `exclude`: what this process holds. Returns how many were queued."""
    # Read before the rows: see portal.lib.taskqueue.
    waiting = waiting_values(send_invitations, "invitation_ids") | waiting_values(
        send_invitation, "invitation_id"
    )
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.WORKER_DEAD_AFTER)
    lost_queued = (
        Q(state=InvitationState.QUEUED)
        & (Q(next_attempt_at__isnull=True, created_at__lt=cutoff) | Q(next_attempt_at__lt=cutoff))
        & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=cutoff))
    )
    lost = Invitation.objects.filter(lost_queued | _lost_sending(now)).exclude(pk__in=exclude)
    stale = [pk for pk in lost.values_list("pk", flat=True).order_by("pk") if pk not in waiting]
    queued = 0
    for start in range(0, len(stale), CHUNK):
        with transaction.atomic():
            rows = lost.filter(pk__in=stale[start : start + CHUNK])
            if transaction.get_connection().features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            ids = list(rows.values_list("pk", flat=True))
            # Fresh heartbeats: another sweep skips them until the new task has had its chance.
            Invitation.objects.filter(pk__in=ids).update(
                state=InvitationState.QUEUED, heartbeat_at=now
            )
            if ids and _tasks_in_this_database():
                send_invitations.enqueue(invitation_ids=ids)  # Committed with the heartbeats.
            elif ids:
                transaction.on_commit(lambda ids=ids: send_invitations.enqueue(invitation_ids=ids))
        queued += len(ids)
    if queued:
        log.warning("Queued %s invitation(s) again: their task or worker was lost", queued)
    return queued


# ---------------------------------------------------------------- activation (public)


def invitation_for_token(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("account__organization", "account__number")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )
    if invitation is None:
        raise Gone(
            "This activation link is not valid. Open the complete link from your invitation, "
            "or ask your administrator to resend the invitation.",
            reason="invalid",
        )
    return invitation


def normalized_contact(contact: str | None) -> str:
    """The email address (as typed) or device number (E.164) an invitation was sent to."""
    contact = (contact or "").strip()
    if "@" not in contact and looks_like_phone(contact):
        try:
            return to_e164(contact)
        except PhoneError:
            pass
    return contact


def invitation_for_code(*, contact: str, code: str) -> Invitation:
    """The live invitation of `contact` (email or device number) whose activation code is `code`."""
    contact, code = normalized_contact(contact), "".join((code or "").split())
    if not contact:
        raise DomainError(
            "Enter the email address or device number the invitation was sent to.",
            fields={"contact": ["required"]},
        )
    if not code.isdigit() or len(code) != 8:
        raise DomainError("The activation code has 8 digits.", fields={"code": ["8 digits"]})
    candidates = list(
        Invitation.objects.select_related("account__organization", "account__number")
        .filter(recipient__iexact=contact, state__in=LIVE)
        .exclude(code_hash="")
    )
    for invitation in candidates:
        if invitation.code_failures >= CODE_MAX_FAILURES:
            raise Gone(
                "Too many wrong codes were tried for this invitation. Ask your administrator to "
                "resend the invitation.",
                reason="locked",
            )
        if constant_time_compare(invitation.code_hash, code_hash(invitation.pk, code)):
            return invitation
        Invitation.objects.filter(pk=invitation.pk).update(code_failures=F("code_failures") + 1)
    raise DomainError(
        "This code does not match an invitation sent to that address. Check both, "
        "or use the link in the invitation.",
        fields={"code": ["does not match"]},
    )


def check_usable(invitation: Invitation) -> None:
    """Gone, with the reason and what to do, unless the invitation can activate its account now."""
    ask = "Ask your administrator to resend the invitation."
    if invitation.state == InvitationState.USED:
        raise Gone(
            "This invitation has already been used: MultiLine is active for this account. "
            "If that was not you, contact your administrator.",
            reason="used",
        )
    if invitation.state == InvitationState.REVOKED:
        raise Gone(
            "This invitation was replaced by a newer one. Use the link in the most recent "
            f"invitation you received. {ask}",
            reason="replaced",
        )
    if invitation.state not in LIVE:
        raise Gone(f"This invitation can no longer be used. {ask}", reason="failed")
    if invitation.expires_at <= timezone.now():
        raise Gone(
            "This invitation expired on "
            f"{when(invitation.expires_at, tz=invitation.account.organization.time_zone)}. {ask}",
            reason="expired",
            expires_at=invitation.expires_at,
        )
    if invitation.account.status not in (AccountStatus.INVITED, AccountStatus.INVITATION_FAILED):
        raise Gone(f"This account cannot be activated now. {ask}", reason="unavailable")


RENEW_ACTION = "invitation.renew"


class RenewalRefused(Conflict):
    """Why an end user cannot renew an invitation themselves: `reason` is "off" (the organization
    switched it off, the invitation has not expired, or the account is not waiting: 409), or
    "limit" (renewed INVITATION_RENEWALS_PER_DAY times in 24 hours: 429)."""

    MESSAGES = {
        "off": "A new invitation cannot be requested for this invitation. Ask your administrator.",
        "limit": "A new invitation was already requested several times today. Try again tomorrow, "
        "or ask your administrator.",
    }

    def __init__(self, reason: str):
        super().__init__(
            self.MESSAGES[reason], fields={"renew": [reason]}, code=f"renewal_{reason}"
        )
        self.reason = reason
        if reason == "limit":
            self.status = 429


def can_renew(invitation: Invitation) -> bool:
    """Whether the end user holding this (expired) invitation may ask for a new one themselves."""
    account = invitation.account
    return (
        invitation.state in LIVE
        and invitation.expires_at <= timezone.now()
        and account.organization.self_service_renewal
        and account.status in (AccountStatus.INVITED, AccountStatus.INVITATION_FAILED)
    )


def invitation_renew(*, invitation: Invitation) -> Invitation:
    """An end user's request for a new invitation in place of their expired one (its link or its
    code proved who asks). It goes to the account's contact — the address the expired one went to,
    never one given now — through the one invitation path, and is audited as `invitation.renew`
    (the activity log shows the admins). At most INVITATION_RENEWALS_PER_DAY per account a day."""
    if not can_renew(invitation):
        raise RenewalRefused("off")
    account = invitation.account
    since = timezone.now() - timedelta(days=1)
    done = AuditEvent.objects.filter(
        action=RENEW_ACTION, target_type="account", target_id=str(account.pk), created_at__gte=since
    ).count()
    if done >= settings.INVITATION_RENEWALS_PER_DAY:
        raise RenewalRefused("limit")
    with audit.acting(label="end user"):
        [(_account, renewed, refusal)] = _invite(
            actor=None, accounts=[account], action=RENEW_ACTION
        )
    if renewed is None:
        raise RenewalRefused("off")
    return renewed


def activation_choices(invitation: Invitation) -> list[Number]:
    """The short list offered to this invitation's user, still available, by number.

    Stored the first time it is shown and kept: a number leaves it only when it is taken, and
    only then is the list topped up. Each invitation draws its own sample of the first available
    numbers, so users activating at the same time rarely reach for the same one."""
    organization = invitation.account.organization
    size = organization.activation_choices
    free = Number.objects.filter(
        organization=organization, status=NumberStatus.AVAILABLE, account__isnull=True
    )
    offered = list(invitation.offered_numbers or [])
    kept = list(free.filter(e164__in=offered)) if offered else []
    if len(kept) < size:
        pool = list(free.exclude(e164__in=offered).order_by("e164")[: size * 8])
        extra = random.Random(invitation.pk).sample(pool, min(len(pool), size - len(kept)))
        if extra:
            offered += [n.e164 for n in extra]
            Invitation.objects.filter(pk=invitation.pk).update(offered_numbers=offered)
            invitation.offered_numbers = offered
            kept += extra
    return sorted(kept, key=lambda n: n.e164)


class NumberTaken(Conflict):
    def __init__(self, e164: str):
        super().__init__(
            f"{e164} was just taken by someone else. Please pick another number.",
            fields={"number": ["just taken"]},
            code="number_taken",
        )


def account_activate(*, invitation: Invitation, number: str | None = None) -> Account:
    """The end user activates: the number becomes `registered`, the account `active`, the invitation
    `used` — in one transaction of conditional updates. When two users pick the same number, the
    first commit wins; the other gets NumberTaken and its invitation stays usable."""
    check_usable(invitation)
    account = invitation.account
    now = timezone.now()
    with transaction.atomic():
        if (
            Invitation.objects.filter(pk=invitation.pk, state__in=LIVE, expires_at__gt=now).update(
                state=InvitationState.USED, used_at=now
            )
            != 1
        ):
            invitation.refresh_from_db()
            check_usable(invitation)
            raise Gone("This invitation has already been used.", reason="used")
        if account.number_id:
            _check_assigned(account, number)
            Number.objects.filter(pk=account.number_id).exclude(
                status=NumberStatus.REGISTERED
            ).update(status=NumberStatus.REGISTERED)
            chosen = account.number
        else:
            chosen = _pick(invitation, number)
        if (
            Account.objects.filter(
                pk=account.pk, status__in=(AccountStatus.INVITED, AccountStatus.INVITATION_FAILED)
            ).update(status=AccountStatus.ACTIVE, activated_at=now, status_reason="")
            != 1
        ):
            raise Gone(
                "This account cannot be activated now. Ask your administrator.",
                reason="unavailable",
            )
        audit.record(
            actor=None,
            actor_label="end user",
            action="account.activate",
            target=account,
            data={
                "number": chosen.e164,
                "invitation": invitation.pk,
                "picked": not account.number_id,
            },
        )
    account.refresh_from_db()
    return account


def _e164(number: str) -> str:
    try:
        return to_e164(number)
    except PhoneError as error:
        raise DomainError(f"The number {error}.", fields={"number": [str(error)]}) from None


def _check_assigned(account: Account, number: str | None) -> None:
    """With a number assigned by the admin, no other can be asked for."""
    if number and _e164(number) != account.number.e164:
        raise DomainError(
            f"Your MultiLine number is {account.number.e164}: it cannot be changed here.",
            fields={"number": ["not yours"]},
        )


def _pick(invitation: Invitation, number: str | None) -> Number:
    """The number the user picked, only from the short list offered to them."""
    account = invitation.account
    if not number:
        raise DomainError("Pick one of the numbers offered.", fields={"number": ["required"]})
    e164 = _e164(number)
    if not invitation.offered_numbers:
        activation_choices(invitation)  # never shown (an app posting at once): offer it now
    if e164 not in invitation.offered_numbers:
        raise DomainError(
            f"{e164} is not one of the numbers offered to you. Pick one of the list.",
            fields={"number": ["not offered"]},
        )
    chosen = Number.objects.filter(e164=e164, organization=account.organization).first()
    if chosen is None:
        raise NumberTaken(e164)
    taken = numbers_take(
        [chosen.pk], statuses=(NumberStatus.AVAILABLE,), target=NumberStatus.REGISTERED
    )
    if taken != 1:
        raise NumberTaken(e164)
    try:
        with transaction.atomic():
            if (
                Account.objects.filter(pk=account.pk, number__isnull=True).update(number=chosen)
                != 1
            ):
                raise NumberTaken(e164)
    except IntegrityError as error:
        if violated(error, Account) != unique_field(Account, "number"):
            raise
        raise NumberTaken(e164) from None
    chosen.status = NumberStatus.REGISTERED
    return chosen


# ---------------------------------------------------------------- templates (Setup)


def sample_values(organization, language: str) -> content.Values:
    return content.Values(
        first_name=content.defaults.SAMPLE["first_name"],
        last_name=content.defaults.SAMPLE["last_name"],
        activation_link=activation_link("EXAMPLE-not-a-real-link"),
        activation_code="12345678",
        multiline_number=content.defaults.SAMPLE["multiline_number"],
        organization=organization.name,
        expires_on=timezone.now() + timedelta(days=organization.invitation_validity_days),
        language=language,
        time_zone=organization.time_zone,
    )


def _check_choice(language: str, channel: str) -> None:
    if language not in content.LANGUAGES:
        raise DomainError(f"Unknown language {language!r}.", fields={"language": ["unknown"]})
    if channel not in Channel.values:
        raise DomainError(f"Unknown channel {channel!r}.", fields={"channel": ["unknown"]})


@transaction.atomic
def template_save(
    *, actor, organization, language: str, channel: str, subject: str, body: str
) -> InvitationTemplate:
    _check_choice(language, channel)
    subject = (subject or "").strip() if channel == Channel.EMAIL else ""
    body = (body or "").replace("\r\n", "\n").strip()
    content.check_wording(channel=channel, subject=subject, body=body)
    template, created = InvitationTemplate.objects.update_or_create(
        organization=organization,
        language=language,
        channel=channel,
        defaults={
            "subject": subject,
            "body": body,
            "updated_by": actor.get_username() if actor else "",
        },
    )
    audit.record(
        actor=actor,
        action="invitation_template.create" if created else "invitation_template.update",
        target=template,
        organization=organization,
        data={"language": language, "channel": channel},
    )
    return template


@transaction.atomic
def template_reset(*, actor, organization, language: str, channel: str) -> None:
    """Back to the shipped default wording."""
    _check_choice(language, channel)
    deleted, _kinds = InvitationTemplate.objects.filter(
        organization=organization, language=language, channel=channel
    ).delete()
    if deleted:
        audit.record(
            actor=actor,
            action="invitation_template.reset",
            organization=organization,
            data={"language": language, "channel": channel},
        )


def template_send_test(
    *, actor, organization, language: str, channel: str, subject: str, body: str
) -> str:
    """Queue a test of this (unsaved) wording, rendered with the sample account, to the admin's
    email. An SMS wording is sent as an email too, its text being what the SMS would say."""
    _check_choice(language, channel)
    if not (actor and actor.email):
        raise DomainError(
            _("Your admin profile has no email address to send the test to."),
            fields={"email": ["missing"]},
        )
    content.check_wording(
        channel=channel, subject=subject if channel == Channel.EMAIL else "", body=body
    )
    audit.record(
        actor=actor,
        action="invitation_template.test",
        organization=organization,
        data={"language": language, "channel": channel, "to": actor.email},
    )
    transaction.on_commit(
        lambda: send_test_invitation.enqueue(
            organization_id=organization.pk,
            language=language,
            channel=channel,
            subject=subject,
            body=body,
            to=actor.email,
        )
    )
    return actor.email


def deliver_test(
    *, organization_id: int, language: str, channel: str, subject: str, body: str, to: str
) -> None:
    organization = Organization.objects.get(pk=organization_id)
    values = sample_values(organization, language)
    wording = content.Wording(subject=subject, body=body)
    if channel == Channel.SMS:
        text = content.render_sms(wording, values)
        emails.invitation_test_sms(to=to, language=language, text=text)
    else:
        rendered = content.render_email(wording, values)
        emails.invitation(
            to=to,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            images=rendered.images,
            sender=content.sender_of(organization),
            test=True,
        )
