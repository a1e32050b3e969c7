"""How often the public activation pages and API may be tried (settings ACTIVATION_RATE_*)."""

from __future__ import annotations

from django.conf import settings

from portal.invitations.services import normalized_contact
from portal.lib.throttle import Throttled, client_address, hit


def activation_attempt(request, *, token: str | None = None, contact: str | None = None) -> None:
    """Count one attempt; Throttled (429, Retry-After) when the client's address, or the invitation
    (its link's token, or the email/device number a code is typed for), made too many.

    Nothing is looked up first: an unknown token or address is counted and answered exactly like
    a known one, so the limit tells nobody whether an invitation exists.
    """
    wait = hit("activation-address", client_address(request), settings.ACTIVATION_RATE_PER_ADDRESS)
    invitation = (
        f"token:{token}"
        if token
        else (f"contact:{normalized_contact(contact).lower()}" if contact else "")
    )
    if not wait and invitation:
        wait = hit("activation-invitation", invitation, settings.ACTIVATION_RATE_PER_INVITATION)
    if wait:
        raise Throttled(wait)
