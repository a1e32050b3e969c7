"""Lockouts by django-axes, in the audit log: `signin.locked_out` when a name or an address reaches
the failure limit (once, not at every refused attempt after it), `signin.unlocked` when the lockout
is lifted — its cool-off passed (axes deletes the expired attempts at the next sign-in), an
operator ran `multiline axes_reset …`, or an admin pressed Unlock (`unlock`)."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone

from portal.access.scoping import home_organization
from portal.audit import services as audit
from portal.audit.signins import _from
from portal.signin.models import Lockout

KINDS = (Lockout.Kind.USERNAME, Lockout.Kind.ADDRESS)


def _minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def _threshold():
    return timezone.now() - settings.AXES_COOLOFF_TIME


def failures(kind: str, value: str) -> int:
    """Failed attempts of a name or an address still inside the cool-off window."""
    return (
        AccessAttempt.objects.filter(**{kind: value}, attempt_time__gte=_threshold()).aggregate(
            n=Sum("failures_since_start")
        )["n"]
        or 0
    )


def admin_named(username: str):
    return get_user_model().objects.filter(username=username).first() if username else None


def _record(action: str, lockout: Lockout, actor=None, **data) -> None:
    user = admin_named(lockout.value) if lockout.kind == Lockout.Kind.USERNAME else None
    key = "username" if lockout.kind == Lockout.Kind.USERNAME else "ip"
    audit.record(
        actor=actor,
        action=action,
        target=user,
        organization=home_organization(user),
        data={key: lockout.value, **data},
    )


def locked_out(sender, request, username, ip_address, **kwargs) -> None:
    """axes' `user_locked_out`: sent at the attempt that reached the limit and at each refused one
    after it. Each rule (name, address) that is at its limit and has no open lockout opens one."""
    limit = settings.AXES_FAILURE_LIMIT
    with _from(request):
        for kind, value in ((Lockout.Kind.USERNAME, username), (Lockout.Kind.ADDRESS, ip_address)):
            if not value or failures(kind, value) < limit:
                continue
            if Lockout.objects.filter(kind=kind, value=value, released_at=None).exists():
                continue
            lockout = Lockout.objects.create(kind=kind, value=value, failures=failures(kind, value))
            _record("signin.locked_out", lockout, failures=lockout.failures, minutes=_minutes())


def attempt_deleted(sender, instance: AccessAttempt, **kwargs) -> None:
    """An attempt left axes' table: the lockouts of its name and address that no longer hold are
    released. Expired attempts mean the cool-off passed; others were reset by someone."""
    expired = instance.attempt_time <= _threshold()
    for kind in KINDS:
        value = getattr(instance, kind)
        if not value:
            continue
        for lockout in Lockout.objects.filter(kind=kind, value=value, released_at=None):
            if failures(kind, value) >= settings.AXES_FAILURE_LIMIT:
                continue
            lockout.released_at = timezone.now()
            lockout.save(update_fields=["released_at"])
            if expired:  # Nobody did it: the portal's own doing, from no address.
                with audit.origin(ip=None), audit.acting(label=audit.SYSTEM):
                    _record("signin.unlocked", lockout, reason="cool-off")
            else:
                _record("signin.unlocked", lockout, reason="reset")


def open_lockouts():
    """The lockouts in force. Attempts past their cool-off are deleted first (as axes does at the
    next sign-in), so that a lockout that expired is shown, and audited, as released."""
    AccessAttempt.objects.filter(attempt_time__lt=_threshold()).delete()
    return Lockout.objects.filter(released_at=None)


def unlock(*, actor, lockout: Lockout) -> None:
    """Lift a lockout now: axes forgets the failures of that name (or address); the release is
    audited with `actor` as the one who did it."""
    from axes.utils import reset

    with audit.acting(user=actor):
        if lockout.kind == Lockout.Kind.USERNAME:
            reset(username=lockout.value)
        else:
            reset(ip=lockout.value)
    lockout.refresh_from_db()
    if lockout.released_at is None:  # Its attempts had expired already: nothing was deleted.
        lockout.released_at = timezone.now()
        lockout.save(update_fields=["released_at"])
        _record("signin.unlocked", lockout, actor=actor, reason="reset")
