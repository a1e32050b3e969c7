"""What the apps below tell the invitations (`portal.lib.events`), connected in
`InvitationsConfig.ready`. Received inside the sender's transaction."""

from __future__ import annotations

from django.utils import timezone

from portal.invitations.models import Invitation, InvitationState
from portal.invitations.services import LIVE
from portal.lib import events

IN_CHUNK = 900  # ids per IN (...) clause: below SQLite's old variable limit.


def accounts_suspended(sender, *, account_ids, **kwargs) -> None:
    """A suspended account's live invitations are revoked: its link no longer activates."""
    for start in range(0, len(account_ids), IN_CHUNK):
        Invitation.objects.filter(
            account_id__in=account_ids[start : start + IN_CHUNK], state__in=LIVE
        ).update(state=InvitationState.REVOKED, revoked_at=timezone.now())


def connect() -> None:
    events.accounts_suspended.connect(accounts_suspended, dispatch_uid="invitations")
