"""Which accounts a bulk action applies to: never everything by omission.

A bulk action (resend, move, suspend, reactivate, delete, edit; through the portal, the API or a
task) acts on the `ids` given, each in the caller's scope, or on an explicit `filter` (the Accounts
list's own query: organization, status, q) together with `all_matching=True`. Anything else —
no selection, an empty list, a filter that is not an object, an unknown filter key, a value of the
wrong type, a filter without `all_matching` — is a DomainError naming the field, and nothing is
done.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from portal.access.scoping import get_object_for
from portal.accounts import listing
from portal.accounts.models import Account, AccountStatus
from portal.lib.chunks import IN_CHUNK
from portal.lib.errors import DomainError, NotFound
from portal.organizations.models import Organization

FILTER_FIELDS = ("organization", "status", "q")
MAX_IDS = 10_000


def clean_filters(user, data: Mapping[str, Any], *, prefix: str = "") -> listing.Filters:
    """The Accounts list's filters from `data`, validated as the list's query is: `organization`
    (a slug in `user`'s scope, else 404), `status` (an account status), `q` (text). Empty or null
    values are absent. Errors name the field as `prefix + name` (e.g. `filter.status`)."""
    if not isinstance(data, Mapping):
        raise DomainError(
            "The filter must be an object with organization, status or q.",
            fields={prefix.rstrip(".") or "filter": ["must be an object"]},
        )
    problems: dict[str, list[str]] = {}
    for key in data:
        if key not in FILTER_FIELDS:
            problems[f"{prefix}{key}"] = [f"unknown filter: use {', '.join(FILTER_FIELDS)}"]
    values = {}
    for name in FILTER_FIELDS:
        value = data.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            problems[f"{prefix}{name}"] = ["must be text"]
            continue
        values[name] = value.strip()
    status = values.get("status")
    if status and status not in AccountStatus.values:
        problems[f"{prefix}status"] = [f"one of {', '.join(AccountStatus.values)}"]
    if problems:
        message = "; ".join(f"{k}: {', '.join(v)}" for k, v in problems.items())
        raise DomainError(f"Invalid filter: {message}.", fields=problems)
    filters = listing.Filters(q=values.get("q", "")[:200], status=status or "")
    if values.get("organization"):
        filters.organization = get_object_for(
            user, Organization.objects, slug=values["organization"]
        )
    return filters


def _clean_ids(ids) -> list[int]:
    if not isinstance(ids, list | tuple | set | frozenset):
        raise DomainError("ids must be a list of account ids.", fields={"ids": ["must be a list"]})
    if any(isinstance(i, bool) for i in ids):
        raise DomainError("ids must be account ids (numbers).", fields={"ids": ["not a number"]})
    try:
        wanted = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        raise DomainError(
            "ids must be account ids (numbers).", fields={"ids": ["not a number"]}
        ) from None
    if not wanted:
        raise DomainError(_("Choose at least one account."), fields={"ids": ["no account chosen"]})
    if len(wanted) > MAX_IDS:
        raise DomainError(
            f"At most {MAX_IDS} ids at once; use a filter with all_matching for more.",
            fields={"ids": ["too many"]},
        )
    return wanted


def select_accounts(user, *, ids=None, filter=None, all_matching: bool = False) -> QuerySet:
    """The accounts a bulk action applies to, in `user`'s scope (ordered by id).

    Either `ids` (a non-empty list; every one must be visible, else 404), or `filter` (a mapping of
    the list's filters, `{}` meaning every account in scope) with `all_matching` exactly True.
    """
    if ids is not None and filter is not None:
        raise DomainError("Give ids or a filter, not both.", fields={"ids": ["not with filter"]})
    if all_matching is not True and all_matching is not False:
        raise DomainError(
            "all_matching must be true or false.", fields={"all_matching": ["must be a boolean"]}
        )
    if ids is not None:
        if all_matching:
            raise DomainError(
                "all_matching goes with a filter, not with ids.",
                fields={"all_matching": ["only with filter"]},
            )
        wanted = _clean_ids(ids)
        visible = Account.objects.visible_to(user)
        found: set[int] = set()
        for start in range(0, len(wanted), IN_CHUNK):
            found |= set(
                visible.filter(pk__in=wanted[start : start + IN_CHUNK]).values_list("pk", flat=True)
            )
        missing = [i for i in wanted if i not in found]
        if missing:
            raise NotFound(
                _("No such account: %(ids)s.") % {"ids": ", ".join(map(str, missing[:20]))},
                fields={"ids": ["not found"]},
            )
        return visible.filter(pk__in=wanted).order_by("pk")
    if filter is None:
        raise DomainError(
            "Choose the accounts: ids, or a filter with all_matching: true.",
            fields={"ids": ["required without filter"], "filter": ["required without ids"]},
        )
    filters = clean_filters(user, filter, prefix="filter.")
    if all_matching is not True:
        raise DomainError(
            "A filter acts on every matching account only with all_matching: true.",
            fields={"all_matching": ["must be true with filter"]},
        )
    return listing.filtered(user, filters).order_by("pk")
