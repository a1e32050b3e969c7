"""The sign-in policy on every portal page: idle and absolute session limits, then the steps a
sign-in still owes (verify the second factor, change a password someone else set, enrol a second
factor the organization requires) before any other page. API and SCIM calls carry bearer tokens,
not sessions, and are left alone."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from portal.signin import sessions

UNTOUCHED = ("/api/", "/scim/v2/", "/activate/")
ALWAYS_OPEN = ("/logout/",)
STEP_PAGES = {
    "verify": "signin:verify",
    "password": "signin:password_change",
    "enrol": "signin:two_factor",
}


class SignInPolicy:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        user = getattr(request, "user", None)
        if path.startswith(UNTOUCHED) or user is None or not user.is_authenticated:
            return self.get_response(request)
        if path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return self.get_response(request)
        reason = sessions.expired(request.session)
        if reason:
            logout(request)
            messages.info(request, sessions.message(reason))
            return redirect_to_login(request.get_full_path() if request.method == "GET" else "/")
        step = self.pending(request)
        if step is None or path.startswith(ALWAYS_OPEN):
            return self.get_response(request)
        page = reverse(STEP_PAGES[step])
        if path.startswith(page):
            return self.get_response(request)
        nxt = request.get_full_path() if request.method == "GET" else ""
        return redirect(f"{page}?{urlencode({'next': nxt})}" if nxt and nxt != "/" else page)

    @staticmethod
    def pending(request) -> str | None:
        session = request.session
        if sessions.STEPS not in session:  # A session from before the policy.
            session[sessions.STEPS] = sessions.steps_for(request.user)
        steps = session[sessions.STEPS]
        if not steps:
            return None
        if "verify" in steps and request.user.is_verified():
            sessions.done(session, "verify")
        if "enrol" in steps and request.user.is_verified():
            sessions.done(session, "enrol")
        steps = session[sessions.STEPS]
        return steps[0] if steps else None
