"""Invitations: the rule for inviting, creating the invitation, and queuing its delivery."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import Account, AccountStatus
from portal.access.models import hash_token
from portal.audit import services as audit
from portal.invitations.models import Channel, Invitation, InvitationState
from portal.lib.errors import Conflict, DomainError

LIVE = (InvitationState.QUEUED, InvitationState.SENDING, InvitationState.SENT)


def check_can_invite(*, organization, email: str | None, has_number: bool) -> None:
    """Inviting needs a number for the account, or onboarding capacity left in the organization."""
    if email and organization.email_domains:
        domain = email.rsplit("@", 1)[-1].lower()
        if domain not in organization.email_domains:
            raise DomainError(
                f"{email} cannot be invited: {organization} only invites addresses at "
                f"{', '.join(organization.email_domains)}.",
                fields={"email": ["domain not allowed for invitations"]},
            )
    if not has_number:
        from portal.accounts.services import onboarding_capacity

        if onboarding_capacity(organization) <= 0:
            raise Conflict(
                f"Cannot invite: {organization} has no available number left for this user to pick "
                f"at activation. Assign a number, or add numbers to {organization}.",
                fields={"multiline_number": ["no available number in the organization"]},
            )


def new_code() -> str:
    return f"{secrets.randbelow(10**8):08d}"


def account_invite(*, actor, account: Account) -> Invitation:
    """Revoke any live invitation of `account`, create a new one, queue its delivery after commit."""
    from portal.invitations.tasks import send_invitation

    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.filter(account=account, state__in=LIVE).update(
            state=InvitationState.REVOKED, revoked_at=now
        )
        invitation = Invitation.objects.create(
            account=account,
            channel=Channel.EMAIL if account.email else Channel.SMS,
            recipient=account.contact,
            token_hash=hash_token(secrets.token_urlsafe(32)),  # Replaced by the real link's at sending.
            code=new_code(),
            expires_at=now + timedelta(days=account.organization.invitation_validity_days),
        )
        Account.objects.filter(pk=account.pk).update(status=AccountStatus.INVITED, status_reason="")
        account.status = AccountStatus.INVITED
        audit.record(actor=actor, action="invitation.queue", target=account,
                     data={"invitation": invitation.pk, "channel": invitation.channel})
        transaction.on_commit(lambda: send_invitation.enqueue(invitation_id=invitation.pk))
    return invitation


def invitation_deliver(*, invitation_id: int) -> None:
    """Placeholder until delivery is built: marks the invitation sent."""
    Invitation.objects.filter(pk=invitation_id, state=InvitationState.QUEUED).update(
        state=InvitationState.SENT, sent_at=timezone.now(), attempts=1
    )
