"""The sign-in policy's decisions: a password to change, a second factor to enrol or to verify."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django_otp import user_has_device

from portal.audit import services as audit
from portal.lib import emails
from portal.organizations.models import Organization
from portal.signin.models import PasswordState


def mark_must_change(user) -> None:
    """`user`'s password was chosen by someone else: the next sign-in asks for a new one."""
    PasswordState.objects.update_or_create(user=user, defaults={"must_change": True})


def must_change_password(user) -> bool:
    return PasswordState.objects.filter(user=user, must_change=True).exists()


def password_changed(user, *, how: str) -> None:
    """`user` set its own password (`how`: "change" or "reset"): the forced change is done."""
    PasswordState.objects.update_or_create(
        user=user, defaults={"must_change": False, "changed_at": timezone.now()}
    )
    action = "signin.password_changed" if how == "change" else "signin.password_reset"
    audit.record(actor=user, action=action, target=user)


def send_code(device) -> bool:
    """A new code of the email second factor (`EmailDevice`), sent by `emails.signin_code`:
    django-otp's `generate_challenge`, with the portal's email. Nothing is sent while the device's
    cooldown lasts (a code was sent moments ago). True when a code was sent."""
    allowed, _reason = device.generate_is_allowed()
    if not allowed:
        return False
    device.cooldown_set(commit=False)
    device.generate_token(valid_secs=settings.OTP_EMAIL_TOKEN_VALIDITY, commit=True)
    emails.signin_code(to=device.email or device.user.email, token=device.token)
    return True


def organizations_requiring_second_factor(user):
    """The organizations of `user`'s scope, or above it, that require a second factor of admins."""
    profile = getattr(user, "admin", None) if hasattr(user, "admin") else None
    if profile is None:
        return Organization.objects.none()
    ids: set[int] = set()
    for org in profile.organizations.all():
        ids |= {int(part) for part in org.path.strip("/").split("/") if part}
    return Organization.objects.filter(pk__in=ids, require_second_factor=True)


def second_factor_required(user) -> bool:
    """Admins of an organization that requires it (or of one below it). Operators may enrol, and
    once enrolled must verify, but are not made to."""
    if user.is_superuser:
        return False
    return organizations_requiring_second_factor(user).exists()


def has_second_factor(user) -> bool:
    return user_has_device(user, confirmed=True)
