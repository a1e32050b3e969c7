"""Reading the inventory for the Numbers screen and GET /api/v1/numbers (the same filters)."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from portal.access.scoping import is_operator
from portal.lib import search
from portal.numbers.models import Number, NumberStatus
from portal.numbers.services import counts_by_status
from portal.organizations.choices import POOL, organization_from_choice


def filtered_numbers(user, *, organization: str = "", status: str = "", tag: str = "", q: str = ""):
    """(numbers matching every filter, numbers of the chosen
    organization or whole scope for counts).

    `organization` is a slug in scope (404 otherwise), POOL for the operator pool, or empty for all.
    """
    numbers = Number.objects.visible_to(user)
    if organization == POOL:
        numbers = numbers.filter(organization__isnull=True) if is_operator(user) else numbers.none()
    elif organization:
        numbers = numbers.filter(organization=organization_from_choice(user, organization))
    scope = numbers
    if status:
        numbers = numbers.filter(status=status)
    if tag:
        numbers = numbers.filter(tags__name=tag.strip().upper())
    query = search.parse(q)
    if query.is_number:  # digits: the number begins or ends with them (indexed ranges)
        numbers = numbers.filter(search.number_q(query, "e164", "e164_reversed"))
    elif query:  # words: what a reserved number is reserved for
        condition = Q(status=NumberStatus.RESERVED)
        for word in (q or "").split()[: search.MAX_WORDS]:
            condition &= Q(reserved_for__icontains=word)
        numbers = numbers.filter(condition)
    return numbers, scope


def keyset_page(numbers, *, after: str = "", limit: int = 50, q: str = ""):
    """One page in number order after `after`; (rows, the `after` of the next page or "").

    `q`: the search `filtered_numbers` applied, given again when it is digits so that the page's
    numbers are found range by range (`search.first_numbers`), then read with their relations."""
    if after:
        numbers = numbers.filter(e164__gt=after)
    query = search.parse(q)
    if query.is_number and search.reads_ranges_apart():
        found = search.first_numbers(numbers, query, fields=("pk",), limit=limit + 1)
        numbers = Number.objects.filter(pk__in=[pk for pk, _e164 in found])
    page = (
        numbers.select_related("organization", "account").prefetch_related("tags").order_by("e164")
    )
    rows = list(page[: limit + 1])
    next_after = rows[limit - 1].e164 if len(rows) > limit else ""
    return rows[:limit], next_after


# ------------------------------------------------------------------ the page's counts by status

COUNTS_EXACT_BELOW = 10_000  # numbers: a scope smaller than this is counted on every view
COUNTS_TTL = 60  # seconds a bigger scope's counts are kept
_COUNTS_VERSION = "numbers:counts:version"


def page_counts(scope) -> tuple[dict[str, int], datetime | None]:
    """The scope's numbers by status for the Numbers page, and when they were counted if they
    come from the cache (None: counted now).

    Counting an operator's million numbers takes 0.3–1 s, so a scope of COUNTS_EXACT_BELOW numbers
    or more is kept COUNTS_TTL seconds in Django's cache (per scope: its SQL is the key), and
    counted again at once after a change made on the Numbers screen (`counts_changed`). An
    organization's admin (a few thousand numbers) always sees exact counts."""
    sql, params = scope.order_by().values("pk").query.sql_with_params()
    digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()[:32]
    key = f"numbers:counts:{cache.get(_COUNTS_VERSION, 0)}:{digest}"
    kept = cache.get(key)
    if kept is not None:
        return kept["counts"], datetime.fromisoformat(kept["at"])
    counts = counts_by_status(scope)
    if counts["total"] >= COUNTS_EXACT_BELOW:
        cache.set(key, {"counts": counts, "at": timezone.now().isoformat()}, COUNTS_TTL)
    return counts, None


def counts_changed() -> None:
    """Numbers were added or changed status on the Numbers screen: count every scope again."""
    from django.core.cache import cache

    cache.set(_COUNTS_VERSION, time.time_ns(), None)
