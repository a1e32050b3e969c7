"""The language and time zone of each answer (docs/decisions.md, "Languages and time zones").

- The API (/api/…) and SCIM (/scim/…) answer in English, whatever the Accept-Language header or
  the caller's preferences: scripts match on their messages, which stay stable.
- A signed-in admin gets the language and time zone of their Preferences (portal.access.views
  .preferences); an empty language is the browser's (LocaleMiddleware, above), an empty zone
  settings.TIME_ZONE.
- The end user's pages override the language with the account's (portal.invitations).

Below AuthenticationMiddleware and django_otp: it reads request.user.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation

from portal.lib.dates import zone

ENGLISH_PREFIXES = ("/api/", "/scim/")
SESSION_KEY = "preferences"  # an operator without an admin profile keeps them in the session


def preferences_of(request) -> tuple[str, str]:
    """(language, time zone) chosen by the signed-in admin; "" where they chose none."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "", ""
    profile = getattr(user, "admin", None)  # None: the operator, a superuser without a profile
    if profile is not None:
        return profile.language, profile.time_zone
    saved = request.session.get(SESSION_KEY) or {}
    return saved.get("language", ""), saved.get("time_zone", "")


class LanguageAndTimeZone:
    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        if request.path_info.startswith(ENGLISH_PREFIXES):
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
            timezone.deactivate()
            return self.get_response(request)
        language, zone_name = preferences_of(request)
        if language in self.languages:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        chosen = zone(zone_name)
        if chosen is not None:
            timezone.activate(chosen)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # the zone is per thread: the next request starts afresh
