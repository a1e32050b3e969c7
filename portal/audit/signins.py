"""Sign-ins, sign-outs and failed sign-ins, from Django's own auth signals (connected once in
AuditConfig.ready): the one place the audit log listens instead of being told, because Django's
login view, not one of our services, does the signing in. Lockouts are recorded where django-axes
reports them, under the same `signin.` prefix."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from portal.access.scoping import home_organization
from portal.audit.middleware import client_ip, user_agent
from portal.audit.services import origin, record


def _from(request):
    if request is None:
        return origin(ip=None)
    return origin(ip=client_ip(request), user_agent=user_agent(request))


def signed_in(sender, request, user, **kwargs) -> None:
    with _from(request):
        record(actor=user, action="signin.login", target=user, organization=home_organization(user))


def signed_out(sender, request, user, **kwargs) -> None:
    if user is None:  # Signing out without a session.
        return
    with _from(request):
        record(
            actor=user, action="signin.logout", target=user, organization=home_organization(user)
        )


def sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    """A wrong password or an unknown name. Filed under the admin's organization when the name is
    an admin's (its organization's auditors see attacks on it); an unknown name only the operator
    sees, so that a tenant learns nothing about names outside it."""
    username = str(
        credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or ""
    )
    user = get_user_model().objects.filter(username__iexact=username).first() if username else None
    with _from(request):
        record(
            actor=None,
            actor_label="anonymous",
            action="signin.failed",
            target=user,
            organization=home_organization(user),
            data={"username": username[:150]},
        )
