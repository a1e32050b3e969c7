"""Reading accounts for the Accounts screen, its CSV export and the API: filters, keyset pages, rows.

Pages are keyset pages on the primary key (newest first): `after=<id>` gives the accounts older than
`id`, `before=<id>` the ones newer. No page ever counts the whole table; `capped_count` counts at
most `COUNT_CAP` rows, which stays cheap at a million accounts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Prefetch

from portal.accounts.models import Account, AccountStatus
from portal.invitations.models import Invitation
from portal.organizations.models import Language, Organization

PAGE_SIZE = 50
MAX_LIMIT = 200
COUNT_CAP = 10_000
EXPORT_CHUNK = 2_000

LANGUAGE_NAMES = dict(Language.choices)


@dataclass
class Filters:
    q: str = ""
    status: str = ""
    organization: Organization | None = None

    def query_string(self) -> str:
        from urllib.parse import urlencode

        params = {"q": self.q, "status": self.status,
                  "organization": self.organization.slug if self.organization else ""}
        return urlencode({k: v for k, v in params.items() if v})


def filtered(user, filters: Filters):
    """The accounts `user` may see that match `filters` (newest first)."""
    queryset = Account.objects.visible_to(user)
    if filters.organization is not None:
        queryset = queryset.filter(organization=filters.organization)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.q:
        queryset = queryset.search(filters.q, user)
    return queryset.order_by("-id")


def with_relations(queryset):
    """What a row shows: organization, group, number and the invitations (newest first)."""
    return queryset.select_related("organization", "permission_group", "number").prefetch_related(
        Prefetch("invitations", queryset=Invitation.objects.order_by("-id"))
    )


@dataclass
class Page:
    items: list[Account]
    next_after: int | None  # the cursor of the next (older) page, if any
    prev_before: int | None  # the cursor of the previous (newer) page, if any


def keyset_page(queryset, *, after: int | None = None, before: int | None = None, limit: int = PAGE_SIZE) -> Page:
    """One page of `queryset` (ordered by -id) after or before a cursor; limit+1 rows tell if there is more."""
    limit = max(1, min(limit, MAX_LIMIT))
    if before is not None:
        rows = list(queryset.filter(pk__gt=before).order_by("id")[: limit + 1])
        more_newer = len(rows) > limit
        rows = rows[:limit][::-1]
        return Page(items=rows, next_after=rows[-1].pk if rows else None,
                    prev_before=rows[0].pk if rows and more_newer else None)
    if after is not None:
        queryset = queryset.filter(pk__lt=after)
    rows = list(queryset[: limit + 1])
    more_older = len(rows) > limit
    rows = rows[:limit]
    return Page(items=rows, next_after=rows[-1].pk if rows and more_older else None,
                prev_before=rows[0].pk if rows and after is not None else None)


def capped_count(queryset, cap: int | None = None) -> tuple[int, bool]:
    """(count, capped): counts at most `cap` rows, so it stays cheap on a big table."""
    cap = COUNT_CAP if cap is None else cap
    n = queryset.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


def latest_invitation(account: Account) -> Invitation | None:
    """The newest invitation, from the prefetched list when there is one."""
    cache = getattr(account, "_prefetched_objects_cache", {})
    if "invitations" in cache:
        invitations = cache["invitations"]
        return invitations[0] if invitations else None
    return account.invitations.order_by("-id").first()


# ---------------------------------------------------------------- CSV export

EXPORT_COLUMNS = (
    "id", "firstname", "lastname", "email", "social_messaging", "multiline_number", "monitor_calls",
    "monitor_sms", "forwarding_number", "restrict_incoming_social_messaging", "language",
    "organization", "permission_group", "status", "created_at",
    "invitation_state", "invitation_sent_at", "invitation_expires_at", "invitation_attempts",
)

def _iso(value) -> str:
    return value.isoformat() if value else ""


def export_row(account: Account) -> list[str]:
    invitation = latest_invitation(account)
    restrict = account.restrict_incoming_social_messaging
    values = [
        account.pk,
        account.first_name,
        account.last_name,
        account.contact,
        "Yes" if account.social_messaging else "No",
        account.number.e164 if account.number_id else "",
        account.monitor_calls,
        account.monitor_sms,
        account.forwarding_number,
        "" if restrict is None else ("true" if restrict else "false"),
        LANGUAGE_NAMES.get(account.language, ""),
        account.organization.slug,
        account.permission_group.name,
        account.status,
        _iso(account.created_at),
        invitation.state if invitation else "",
        _iso(invitation.sent_at) if invitation else "",
        _iso(invitation.expires_at) if invitation else "",
        invitation.attempts if invitation else "",
    ]
    return values


def export_rows(queryset) -> Iterator[list]:
    """Every account of `queryset` (ordered by -id) as an export row, read in keyset chunks."""
    after = None
    while True:
        chunk = queryset if after is None else queryset.filter(pk__lt=after)
        rows = list(with_relations(chunk)[:EXPORT_CHUNK])
        if not rows:
            return
        for account in rows:
            yield export_row(account)
        if len(rows) < EXPORT_CHUNK:
            return
        after = rows[-1].pk


def status_choices() -> list[tuple[str, str]]:
    return list(AccountStatus.choices)
