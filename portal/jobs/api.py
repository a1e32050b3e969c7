"""The API side of `Idempotency-Key` (portal.jobs.idempotency): the header parameter and the
rendering of an answer into the exact bytes that a repeat returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from django.http import HttpResponse
from ninja import Header
from ninja.renderers import JSONRenderer

from portal.jobs import idempotency

IdempotencyKey = Annotated[
    str | None,
    Header(
        None,
        alias=idempotency.HEADER,
        description=(
            "Optional. The same key (per caller and endpoint) within 24 h returns the first "
            "answer and does nothing again; another body with the same key is a 422."
        ),
    ),
]

CONTENT_TYPE = "application/json; charset=utf-8"


def idempotent(
    request,
    *,
    key: str | None,
    payload,
    responses: Mapping[int, Any],
    run: Callable[[], tuple[int, Any]],
) -> HttpResponse:
    """Answer `run()` — (status, data) validated by `responses[status]` — or replay the first
    answer to `key`. Errors (DomainError) propagate to the API's error handler."""

    def render() -> tuple[int, str]:
        status, data = run()
        data = responses[status].model_validate(data).model_dump()
        return status, JSONRenderer().render(request, data, response_status=status)

    body_hash = idempotency.fingerprint(payload.model_dump(mode="json"))
    status, body, replayed = idempotency.answer_once(
        user=request.user, endpoint=request.path, key=key, body_hash=body_hash, run=render
    )
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response
