"""Accounts API (/api/v1/accounts): create (with invite), list with the screen's filters, get one.

Field names follow the CSV columns. Every call checks the Accounts privilege and the caller's scope:
an organization or account outside it is a 404.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Query, Router, Schema
from pydantic import Field

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, require_privilege
from portal.accounts import listing
from portal.accounts.columns import describe
from portal.accounts.models import Account
from portal.accounts.selection import FILTER_FIELDS, clean_filters
from portal.accounts.services import account_add
from portal.organizations.models import Organization

router = Router(tags=["accounts"])


class InvitationOut(Schema):
    state: str
    channel: str
    sent_at: datetime | None
    expires_at: datetime
    attempts: int
    last_error: str


class AccountOut(Schema):
    id: int
    organization: str
    permission_group: str
    first_name: str
    last_name: str
    email: str | None
    device_number: str | None
    multiline_number: str | None
    social_messaging: bool
    monitor_calls: str
    monitor_sms: str
    forwarding_number: str
    restrict_incoming_social_messaging: bool | None
    language: str
    status: str
    created_at: datetime
    invitation: InvitationOut | None


class AccountSettingsIn(Schema):
    """The per-account settings an add, an edit and a bulk edit take alike; their descriptions
    come from the columns' declaration (portal.accounts.columns)."""

    social_messaging: bool | str | None = Field(None, description=describe("social_messaging"))
    monitor_calls: str | None = Field(None, description=describe("monitor_calls"))
    monitor_sms: str | None = Field(None, description=describe("monitor_sms"))
    forwarding_number: str | None = Field(None, description=describe("forwarding_number"))
    restrict_incoming_social_messaging: bool | str | None = Field(
        None, description=describe("restrict_incoming_social_messaging")
    )
    language: str | None = Field(None, description=describe("language"))


class AccountIn(AccountSettingsIn):
    organization: str = Field(description="Slug of an organization in your scope")
    permission_group: str | None = Field(
        None, description="Name; the organization's default when omitted"
    )
    # The account columns' descriptions come from their declaration (portal.accounts.columns).
    email: str = Field(description=describe("email"))
    first_name: str = Field("", description=describe("first_name"))
    last_name: str = Field("", description=describe("last_name"))
    multiline_number: str | None = Field(None, description=describe("multiline_number"))
    number_tag: str | None = Field(
        None, description="Any free number of the organization with this tag"
    )
    invite: bool = False


class AccountPage(Schema):
    items: list[AccountOut]
    next: int | None = Field(
        None, description="Pass as `after` for the next page; null on the last page"
    )


class ListQuery(Schema):
    organization: str | None = None
    status: str | None = None
    q: str | None = None
    after: int | None = None
    limit: int = Field(50, ge=1, le=listing.MAX_LIMIT)


def account_out(account: Account) -> dict:
    invitation = listing.latest_invitation(account)
    return {
        "id": account.pk,
        "organization": account.organization.slug,
        "permission_group": account.permission_group.name,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "device_number": account.device_number,
        "multiline_number": account.number.e164 if account.number_id else None,
        "social_messaging": account.social_messaging,
        "monitor_calls": account.monitor_calls,
        "monitor_sms": account.monitor_sms,
        "forwarding_number": account.forwarding_number,
        "restrict_incoming_social_messaging": account.restrict_incoming_social_messaging,
        "language": listing.LANGUAGE_NAMES.get(account.language, ""),
        "status": account.status,
        "created_at": account.created_at,
        "invitation": None
        if invitation is None
        else {
            "state": invitation.state,
            "channel": invitation.channel,
            "sent_at": invitation.sent_at,
            "expires_at": invitation.expires_at,
            "attempts": invitation.attempts,
            "last_error": invitation.last_error,
        },
    }


def _scoped_accounts(user):
    return listing.with_relations(Account.objects.visible_to(user))


@router.post(
    "", response={201: AccountOut}, summary="Add an account (and invite it with invite: true)"
)
def create_account(request, payload: AccountIn):
    require_privilege(request.user, Privilege.ACCOUNTS)
    organization = get_object_for(request.user, Organization.objects, slug=payload.organization)
    data = payload.dict(exclude={"organization", "permission_group", "invite"}, exclude_none=True)
    account = account_add(
        actor=request.user,
        organization=organization,
        data=data,
        permission_group=payload.permission_group,
        invite=payload.invite,
    )
    account = _scoped_accounts(request.user).get(pk=account.pk)
    return 201, account_out(account)


@router.get("", response=AccountPage, summary="List accounts (newest first, keyset pages)")
def list_accounts(request, filters: Query[ListQuery]):
    require_privilege(request.user, Privilege.ACCOUNTS)
    wanted = clean_filters(request.user, filters.dict(include=set(FILTER_FIELDS)))
    queryset = listing.with_relations(listing.filtered(request.user, wanted))
    page = listing.keyset_page(queryset, after=filters.after, limit=filters.limit)
    return {"items": [account_out(a) for a in page.items], "next": page.next_after}


@router.get(
    "/{int:account_id}", response=AccountOut, summary="One account, with its number and invitation"
)
def get_account(request, account_id: int):
    require_privilege(request.user, Privilege.ACCOUNTS)
    return account_out(get_object_for(request.user, _scoped_accounts(request.user), pk=account_id))
