"""Idle and absolute session limits: a session remembers when it signed in and when it was last
used (epoch seconds); the middleware signs it out past SESSION_IDLE_TIMEOUT or
SESSION_ABSOLUTE_TIMEOUT."""

from __future__ import annotations

import time

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.signin import services

SIGNED_IN_AT = "signin_at"
SEEN_AT = "signin_seen_at"
STEPS = "signin_steps"  # What the sign-in still asks before any page (portal.signin.middleware).
# Last-use stamps are written at most this often (seconds): not a session save per request.
SEEN_PRECISION = 30


def started(sender, request, user, **kwargs) -> None:
    """Django's `user_logged_in`: the session starts now."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[SIGNED_IN_AT] = session[SEEN_AT] = now
        session[STEPS] = steps_for(user)


def steps_for(user) -> list[str]:
    """Decided once, when signing in: verify the second factor (the admin has one), change the
    password (someone else set it), enrol a second factor (the organization requires one)."""
    steps = []
    has_device = services.has_second_factor(user)
    if has_device:
        steps.append("verify")
    if services.must_change_password(user):
        steps.append("password")
    if not has_device and services.second_factor_required(user):
        steps.append("enrol")
    return steps


def done(session, step: str) -> None:
    steps = session.get(STEPS) or []
    if step in steps:
        session[STEPS] = [s for s in steps if s != step]


def expired(session) -> str | None:
    """Why this signed-in session is over ("idle" or "absolute"), or None; else notes the use."""
    now = int(time.time())
    signed_in_at = session.get(SIGNED_IN_AT)
    seen_at = session.get(SEEN_AT)
    if signed_in_at is None or seen_at is None:  # A session from before the limits: starts now.
        session[SIGNED_IN_AT] = signed_in_at if signed_in_at is not None else now
        session[SEEN_AT] = now
        return None
    if now - signed_in_at >= settings.SESSION_ABSOLUTE_TIMEOUT:
        return "absolute"
    if now - seen_at >= settings.SESSION_IDLE_TIMEOUT:
        return "idle"
    if now - seen_at >= SEEN_PRECISION:
        session[SEEN_AT] = now
    return None


def message(reason: str) -> str:
    if reason == "idle":
        minutes = max(1, settings.SESSION_IDLE_TIMEOUT // 60)
        return _(
            "You were signed out after %(minutes)s minutes without activity. Please sign in again."
        ) % {"minutes": minutes}
    hours = settings.SESSION_ABSOLUTE_TIMEOUT / 3600
    if hours >= 1:
        span = ngettext("%(hours)s hour", "%(hours)s hours", 1 if hours == 1 else 2) % {
            "hours": f"{hours:g}"
        }
    else:
        minutes = settings.SESSION_ABSOLUTE_TIMEOUT // 60
        span = ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}
    return _("Your session ended: sessions last at most %(span)s. Please sign in again.") % {
        "span": span
    }
