"""Every request's writes are audited with its door (portal
or api), client address and user agent."""

from __future__ import annotations

import ipaddress

from django.conf import settings

from portal.audit.services import origin, via


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or, when settings.TRUSTED_PROXY_IP_HEADER names a header
    that the proxy in front of the portal sets (e.g. X-Forwarded-For), the address that proxy saw:
    the TRUSTED_PROXY_COUNT-th from the right of that header. Never a value the client chose alone;
    None when it is not an IP address."""
    value = request.META.get("REMOTE_ADDR", "")
    header = getattr(settings, "TRUSTED_PROXY_IP_HEADER", "")
    if header:
        forwarded = [
            part.strip() for part in request.META.get(header, "").split(",") if part.strip()
        ]
        count = getattr(settings, "TRUSTED_PROXY_COUNT", 1)
        if len(forwarded) >= count:
            value = forwarded[-count]
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


class AuditContext:
    """Middleware: writes made during a request carry its client address and user agent, and those
    through /api/ are marked `api` (the rest `portal`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "portal"
        with via(channel), origin(ip=client_ip(request), user_agent=user_agent(request)):
            return self.get_response(request)
