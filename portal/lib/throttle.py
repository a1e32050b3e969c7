"""Rate limits on Django's cache: fixed windows counted in a shared cache (settings.CACHES).

The cache is the database's cache table on the embedded default and Redis when REDIS_URL is set,
so every gunicorn process and thread counts together (docs/security.md "Secrets, throttling and
headers" says why not django-ratelimit, and how far the database cache's count can drift).
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import caches

from portal.lib.errors import DomainError


class Throttled(DomainError):
    """Too many attempts: 429, with the seconds to wait (the Retry-After header)."""

    status = 429

    def __init__(self, retry_after: int):
        super().__init__(
            f"Too many attempts. Try again in {retry_after} seconds.", code="throttled"
        )
        self.retry_after = retry_after


def hit(scope: str, key: str, rate: tuple[int, int]) -> int:
    """Count one attempt of `key`; 0 while within `rate` (count, period in seconds: a setting read
    by portal.lib.env.envrate), else the seconds until the next window.

    Keys are hashed: a key made of an activation token must not sit in the cache in clear.
    """
    limit, period = rate
    now = time.time()
    window = int(now // period)
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    cache_key = f"throttle:{scope}:{digest}:{window}"
    cache = caches[settings.THROTTLE_CACHE]
    cache.add(cache_key, 0, timeout=period + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=period + 1)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((window + 1) * period - now))


def client_address(request) -> str:
    """The client's IP address: REMOTE_ADDR, or behind PROXY_COUNT proxies the address the first
    of them saw (X-Forwarded-For, counted from the right: clients can prepend anything)."""
    proxies = getattr(settings, "PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
