"""`Idempotency-Key` on the API's bulk calls: the same key (per caller and endpoint) within 24 hours
answers the first answer again and does nothing again.

The first request claims the key (a committed row, unique per caller, endpoint and key) before it
acts, so a concurrent repeat is refused (409) instead of running twice. A successful answer (2xx)
is kept; a refused one (4xx: nothing was done) gives the key back, so the caller may retry it.
The same key with another body is a 422. Entries older than `IDEMPOTENCY_TTL` are purged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.jobs.models import IdempotentRequest
from portal.lib.dberrors import violated
from portal.lib.errors import Conflict, DomainError

IDEMPOTENCY_TTL = timedelta(hours=24)
HEADER = "Idempotency-Key"
MAX_KEY = 255


class KeyReused(DomainError):
    status = 422

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("code", "idempotency_key_reused")
        super().__init__(message, **kwargs)


def fingerprint(body: Any) -> str:
    """The hash of a request body (canonical JSON: key order and spacing do not matter)."""
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY or not key.isprintable() or not key.isascii():
        raise DomainError(
            f"{HEADER} must be 1 to {MAX_KEY} printable ASCII characters.",
            fields={HEADER: [f"1 to {MAX_KEY} printable ASCII characters"]},
        )


def purge_expired(now=None) -> int:
    """Forget the keys older than the TTL; answers how many went."""
    cutoff = (now or timezone.now()) - IDEMPOTENCY_TTL
    deleted, _by_model = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def answer_once(
    *, user, endpoint: str, key: str | None, body_hash: str, run: Callable[[], tuple[int, str]]
) -> tuple[int, str, bool]:
    """(status, body, replayed): `run()`'s answer, or with a key already used by `user` on
    `endpoint` within the TTL, the first answer again without running anything."""
    if key is None:
        status, body = run()
        return status, body, False
    _check_key(key)
    purge_expired()
    try:
        with transaction.atomic():
            record = IdempotentRequest.objects.create(
                user=user, endpoint=endpoint, key=key, fingerprint=body_hash
            )
    except IntegrityError as error:
        if violated(error, IdempotentRequest) != "idempotency_key_once":
            raise
        first = IdempotentRequest.objects.filter(user=user, endpoint=endpoint, key=key).first()
        if first is None:  # Purged or given back meanwhile: it is free again.
            return answer_once(user=user, endpoint=endpoint, key=key, body_hash=body_hash, run=run)
        if first.fingerprint != body_hash:
            raise KeyReused(
                f"This {HEADER} was already used with another request body.",
                fields={HEADER: ["already used with another request body"]},
            ) from None
        if first.status is None:
            raise Conflict(
                f"A request with this {HEADER} is still being processed; try again shortly.",
                fields={HEADER: ["still being processed"]},
            ) from None
        return first.status, first.body, True
    try:
        status, body = run()
    except BaseException:
        record.delete()
        raise
    if 200 <= status < 300:
        IdempotentRequest.objects.filter(pk=record.pk).update(status=status, body=body)
    else:
        record.delete()
    return status, body, False
