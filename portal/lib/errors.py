"""The one domain error: services raise it, the portal and the API each turn it into a response once."""

from __future__ import annotations


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


def field_error(field: str, reason: str, message: str | None = None) -> DomainError:
    return DomainError(message or reason, fields={field: [reason]})
