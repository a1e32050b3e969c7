"""What an answer may say about an email, device number or MultiLine number held elsewhere.

An email address or device number has one account in the whole portal, and a MultiLine number one
organization. Refusing a value that another tenant holds is unavoidable; saying *where* it is (or
that it exists at all, by wording a number of another tenant unlike a number nobody has) is not.
So a refusal names the holder only when it is in the caller's scope; outside it, every door (the
portal's forms, the API, CSV batches and their reports, Move, SCIM) says only these words — the
same for a value held by another tenant and, for numbers, for one that does not exist.
"""

from __future__ import annotations

from portal.access.scoping import visible_organization_ids

EMAIL_NOT_AVAILABLE = "This email address is not available."
DEVICE_NOT_AVAILABLE = "This device number is not available."
NUMBER_NOT_AVAILABLE = "This number is not available."
NOT_AVAILABLE = "not available"  # the short reason beside a field


def scope_of(actor) -> set[int] | None:
    """The organization ids `actor` may hear about; None for all (the operator, and the system
    or a CLI run without `--as`, which have the operator's reach)."""
    return None if actor is None else visible_organization_ids(actor)


def sees(scope: set[int] | None, organization_id: int | None) -> bool:
    """Whether a holder in `organization_id` (None: the operator pool) may be named to `scope`."""
    return scope is None or organization_id in scope
