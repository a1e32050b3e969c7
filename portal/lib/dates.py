"""Every date and time the portal shows, in one place: the active language's own format (Django's
locale formats, adjusted in portal/lib/formats/<language>/formats.py) in a time zone, with the
zone's abbreviation after a time ("8 dicembre 2026, 14:30 CET").

The zone is the admin's (their Preferences; else settings.TIME_ZONE), activated per request by
portal.access.middleware; an invitation's expiry uses its organization's zone (`tz=`).

In templates it is the built-in filter `when` (settings.TEMPLATES "builtins", no {% load %}):
    {{ value|when }}           8 December 2026, 14:30 UTC
    {{ value|when:"date" }}    8 December 2026
    {{ value|when:"seconds" }} 8 December 2026, 14:30:05 UTC
An empty value gives "", so `|when|default:"never"` works.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache

from django import template
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext_noop

register = template.Library()

STYLES = ("datetime", "date", "seconds")

# The month names inside a date. Django's Italian catalog capitalizes them ("8 Dicembre 2026");
# the portal's catalog, searched first (LOCALE_PATHS), writes them as each language does.
MONTHS = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)


@lru_cache(maxsize=64)
def zone(name: str | None) -> dt.tzinfo | None:
    """The zone of an IANA name ("Europe/Rome"); None for an empty or unknown one."""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def is_zone(name: str) -> bool:
    return zone(name) is not None


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """The IANA zone names an admin or organization may choose, sorted."""
    return tuple(
        sorted(n for n in zoneinfo.available_timezones() if "/" in n and not n.startswith("Etc/"))
    ) + ("UTC",)


def when(value, style: str = "datetime", tz=None) -> str:
    """`value` (a datetime or a date) as the active language writes it; a datetime in the zone
    `tz` (a tzinfo or an IANA name; else the current one), followed by the zone's abbreviation."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        target = (zone(tz) if isinstance(tz, str) else tz) or timezone.get_current_timezone()
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_default_timezone())
        value = timezone.localtime(value, target)
        if style == "date":
            return formats.date_format(value, "DATE_FORMAT")
        pattern = formats.get_format("DATETIME_FORMAT")
        if style == "seconds":
            pattern = pattern.replace("H:i", "H:i:s")
        return formats.date_format(value, pattern + " T")
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


@register.filter(name="when", expects_localtime=False, is_safe=False)
def when_filter(value, style: str = "datetime") -> str:
    return when(value, style if style in STYLES else "datetime")


def default_zone_name() -> str:
    return settings.TIME_ZONE
