"""Thin tasks: load by id, call the service. Queued after commit by the services."""

from __future__ import annotations

from portal.audit.services import via
from portal.lib.tasks import task


@task()
def send_invitation(invitation_id: int) -> dict:
    """Deliver one invitation (email or SMS); a temporary failure re-queues it with a delay."""
    # cycle: invitations.services <-> invitations.tasks (the services queue these)
    from portal.invitations.services import deliver_invitations

    with via("task"):
        return deliver_invitations(invitation_ids=[invitation_id])


@task()
def send_invitations(invitation_ids: list[int]) -> dict:
    """Deliver many invitations over one SMTP connection (the bulk path: batches, resend)."""
    # cycle: invitations.services <-> invitations.tasks (the services queue these)
    from portal.invitations.services import deliver_invitations

    with via("task"):
        return deliver_invitations(invitation_ids=list(invitation_ids))


@task()
def send_test_invitation(
    organization_id: int, language: str, channel: str, subject: str, body: str, to: str
) -> None:
    """Setup's "Send test to me": the wording rendered with the sample account, to the admin."""
    # cycle: invitations.services <-> invitations.tasks (the services queue these)
    from portal.invitations.services import deliver_test

    with via("task"):
        deliver_test(
            organization_id=organization_id,
            language=language,
            channel=channel,
            subject=subject,
            body=body,
            to=to,
        )
