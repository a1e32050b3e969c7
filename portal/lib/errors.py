"""The one domain error: services raise it, the portal and the API each turn it into a response once."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DomainError(Exception):
    """A rule refused the operation. `fields` maps a field (or CSV column) to its reasons."""

    status = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.code = code

    def as_dict(self) -> dict:
        return {"error": self.message, "fields": self.fields}


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

    def __init__(self, message: str = "Send a JSON body (Content-Type: application/json).",
                 **kwargs):
        super().__init__(message, code="unsupported_media_type", **kwargs)


def field_error(field: str, reason: str, message: str | None = None) -> DomainError:
    return DomainError(message or reason, fields={field: [reason]})


class ErrorOut(BaseModel):
    """The shape of every error answer of the API (documented on each operation)."""

    error: str = Field(description="What went wrong, for a person")
    fields: dict[str, list[str]] = Field(
        description="Field (or CSV column) → its reasons; {} when no one field is at fault")
