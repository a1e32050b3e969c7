"""What the apps below tell the invitations (`portal.lib.events`), connected in
`InvitationsConfig.ready`. Received inside the sender's transaction."""

from __future__ import annotations

from django.utils import timezone

from portal.invitations.models import Invitation, InvitationState
from portal.invitations.services import LIVE, account_invite, check_can_invite
from portal.lib import events
from portal.lib.chunks import IN_CHUNK


def accounts_suspended(sender, *, account_ids, **kwargs) -> None:
    """A suspended account's live invitations are revoked: its link no longer activates."""
    for start in range(0, len(account_ids), IN_CHUNK):
        Invitation.objects.filter(
            account_id__in=account_ids[start : start + IN_CHUNK], state__in=LIVE
        ).update(state=InvitationState.REVOKED, revoked_at=timezone.now())


def account_invite_check(sender, *, organization, email, has_number, **kwargs) -> None:
    """Save & Invite: may this account be invited (capacity, SMTP data offload, domains)?"""
    check_can_invite(organization=organization, email=email, has_number=has_number)


def account_invite_queue(sender, *, actor, account, **kwargs) -> None:
    """Save & Invite: the saved account's invitation, queued in the add's transaction."""
    account_invite(actor=actor, account=account)


def connect() -> None:
    events.accounts_suspended.connect(accounts_suspended, dispatch_uid="invitations")
    events.account_invite_check.connect(account_invite_check, dispatch_uid="invitations")
    events.account_invite.connect(account_invite_queue, dispatch_uid="invitations")
