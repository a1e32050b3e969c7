"""Reads several services share. Onboarding capacity is counted here, and only here.

An organization's onboarding capacity = its available numbers − its invited accounts that still
have no number (each will pick one at activation). Add & invite, Resend, bulk invitations, the
batch import, Move, the alerts and the Dashboard all read it from `onboarding_capacity`.

What promises a number (an invitation without one, moving pending accounts in, a batch chunk that
takes numbers and invites) first takes the organization's capacity lock, `lock_capacity`, and
counts inside the same transaction: two of them never promise the same numbers, whatever runs at
once. On PostgreSQL the lock is `SELECT … FOR NO KEY UPDATE` of the organization's row (it does
not block the foreign-key checks of accounts being inserted into it); on SQLite every write
transaction is IMMEDIATE, which already serialises writers.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from portal.accounts.models import Account, AccountStatus
from portal.numbers.models import Number, NumberStatus
from portal.organizations.models import Organization

WAITING_STATUSES = (AccountStatus.INVITED, AccountStatus.INVITATION_FAILED)


def capacity_parts(organization) -> tuple[int, int]:
    """(available numbers of the organization, its invited accounts that still have no number)."""
    available = Number.objects.filter(
        organization=organization, status=NumberStatus.AVAILABLE
    ).count()
    waiting = Account.objects.filter(
        organization=organization, status__in=WAITING_STATUSES, number__isnull=True
    ).count()
    return available, waiting


def onboarding_capacity(organization) -> int:
    """Available numbers of the organization − its invited accounts that still have no number."""
    available, waiting = capacity_parts(organization)
    return available - waiting


def lock_capacity(organizations: Iterable[Organization]) -> None:
    """Hold the capacity lock of these organizations until the caller's transaction ends (taken
    in id order, so two callers locking several never wait on each other in a circle)."""
    ids = sorted({organization.pk for organization in organizations if organization is not None})
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("lock_capacity must run inside the transaction that uses the capacity")
    if not connection.features.has_select_for_update:
        return  # SQLite: each transaction holds the database's one write lock from its BEGIN
    list(
        Organization.objects.select_for_update(no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
