"""Reading the inventory for the Numbers screen and GET /api/v1/numbers (the same filters)."""

from __future__ import annotations

from django.db.models import Q

from portal.access.scoping import is_operator
from portal.lib import search
from portal.numbers.models import Number, NumberStatus
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


def keyset_page(numbers, *, after: str = "", limit: int = 50):
    """One page in number order after `after`; (rows, the `after` of the next page or "")."""
    page = (
        numbers.select_related("organization", "account").prefetch_related("tags").order_by("e164")
    )
    if after:
        page = page.filter(e164__gt=after)
    rows = list(page[: limit + 1])
    next_after = rows[limit - 1].e164 if len(rows) > limit else ""
    return rows[:limit], next_after
