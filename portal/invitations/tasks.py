from __future__ import annotations

from django_tasks import task


@task()
def send_invitation(invitation_id: int) -> None:
    """Deliver one invitation (email or SMS). Filled in by the invitations service."""
    from portal.invitations.services import invitation_deliver

    invitation_deliver(invitation_id=invitation_id)
