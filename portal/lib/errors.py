"""The one domain error: services raise it, the portal and
the API each turn it into a response once."""

from __future__ import annotations

from pydantic import BaseModel, Field

# The code of an error answer that has no more precise one (a DomainError's `code`), by status.
STATUS_CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "idempotency_key_reused",
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}


def code_for(status: int) -> str:
    return STATUS_CODES.get(status, "error")


class DomainError(Exception):
    """A rule refused the operation. `fields` maps a field (or CSV column) to its reasons; `code`
    says which rule, for code to decide on (`accounts.outcomes.Problem`…), never the message."""

    status = 400

    def __init__(
        self, message: str, *, fields: dict[str, list[str]] | None = None, code: str = "invalid"
    ):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.code = code

    def as_dict(self) -> dict:
        return {"error": self.message, "fields": self.fields, "code": str(self.code)}


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str = "Not found.", **kwargs):
        super().__init__(message, code="not_found", **kwargs)


class Conflict(DomainError):
    status = 409

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("code", "conflict")
        super().__init__(message, **kwargs)


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: str = "You do not have the privilege for this.", **kwargs):
        super().__init__(message, code="forbidden", **kwargs)


class UnsupportedMediaType(DomainError):
    status = 415

    def __init__(
        self, message: str = "Send a JSON body (Content-Type: application/json).", **kwargs
    ):
        super().__init__(message, code="unsupported_media_type", **kwargs)


class FileRefused(DomainError):
    """A whole upload is refused before anything is written."""

    def __init__(self, message: str, *, code: str = "file_refused"):
        super().__init__(message, fields={"file": [message]}, code=code)


class FileTooLarge(FileRefused):
    """An upload over the size limit: 413, whichever door it came through."""

    status = 413

    def __init__(self, *, size: int | None, limit: int, filename: str = ""):
        what = f"“{filename}”" if filename else "The upload"
        how_big = f"is {human_size(size)}" if size is not None else "is larger than that"
        super().__init__(
            f"{what} {how_big}; at most {human_size(limit)} can be uploaded at once. "
            "Split it into smaller files.",
            code="too_large",
        )


def human_size(n: int) -> str:
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB"
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{n / 1024:.0f} KB"


class ErrorOut(BaseModel):
    """The shape of every error answer of the API (documented on each operation)."""

    error: str = Field(description="What went wrong, for a person")
    fields: dict[str, list[str]] = Field(
        description="Field (or CSV column) → its reasons; {} when no one field is at fault"
    )
    code: str = Field(
        description="Which rule or refusal, for programs to decide on (the message may change): "
        "e.g. contact_taken, number_taken, not_enough_numbers, invalid, not_found"
    )
