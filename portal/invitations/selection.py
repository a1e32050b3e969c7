"""Which accounts a resend applies to: chosen ids, or everything matching the Accounts screen's filters."""

from __future__ import annotations

from portal.access.scoping import get_object_for
from portal.accounts.models import Account, AccountStatus
from portal.lib.errors import DomainError, NotFound
from portal.organizations.models import Organization

MAX_IDS = 10_000


def accounts_selected(user, *, ids=None, organization: str | None = None, status: str | None = None,
                      q: str | None = None, everything: bool = False):
    """The accounts in `user`'s scope: `ids`, or the filters. Without either, refused unless
    `everything` (the portal's "all matching" on an unfiltered list)."""
    accounts = Account.objects.visible_to(user).select_related("organization", "number")
    if ids:
        try:
            wanted = {int(i) for i in ids}
        except (TypeError, ValueError):
            raise DomainError("ids must be account ids (numbers).", fields={"ids": ["not a number"]}) from None
        if len(wanted) > MAX_IDS:
            raise DomainError(f"At most {MAX_IDS} ids at once.", fields={"ids": ["too many"]})
        accounts = accounts.filter(pk__in=wanted)
        missing = wanted - set(accounts.values_list("pk", flat=True))
        if missing:
            raise NotFound(f"No such account: {', '.join(str(i) for i in sorted(missing)[:20])}.",
                           fields={"ids": ["not found"]})
        return accounts.order_by("pk")
    if not (organization or status or q or everything):
        raise DomainError("Choose accounts (ids) or a filter (organization, status or q).",
                          fields={"ids": ["required without a filter"]})
    if organization:
        org = get_object_for(user, Organization.objects, slug=organization)
        accounts = accounts.filter(organization=org)
    if status:
        if status not in AccountStatus.values:
            raise DomainError(f"Unknown status {status!r}; one of {', '.join(AccountStatus.values)}.",
                              fields={"status": ["unknown"]})
        accounts = accounts.filter(status=status)
    if q:
        accounts = accounts.search(q)
    return accounts.order_by("pk")
