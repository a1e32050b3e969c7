"""Typed outcomes: what happened to a row or an invitation, and why a rule refused something.

Code decides on these values, never on a message's text. The words a person reads are made from
them once, at the edge (`message`, the report, the API's error answer), from the one table
`MESSAGES`, in the product article's wording and marked for translation.

Here, in accounts, because accounts is the lowest app that needs them: batches (above it) stores
the row outcomes, invitations and batches read the invitation outcomes.
"""

from __future__ import annotations

from functools import lru_cache

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class RowResult(models.TextChoices):
    """What happened to one row of a bulk add (a batch's row)."""

    IMPORTED = "imported", _("Imported")
    VALID = "valid", _("Valid (dry run)")
    EXISTS = "exists", _("Exists")
    FAILED = "failed", _("Failed")


class ActionResult(models.TextChoices):
    """What an action on many accounts (move, edit, suspend…, resend invitation) did to each."""

    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")


class InvitationOutcome(models.TextChoices):
    """What adding an account did about its invitation (a batch's row, Import & Invite)."""

    QUEUED = "queued", _("queued")
    NOT_SENT = "not_sent", _("not sent")


class Problem(models.TextChoices):
    """The code of a rule's refusal: `DomainError.code` (the API's `code`) and `Problems.codes`."""

    CONTACT_TAKEN = "contact_taken", _("The email or device number already has an account")
    NUMBER_TAKEN = "number_taken", _("The number was just taken by another account")
    NOT_ENOUGH_NUMBERS = "not_enough_numbers", _("Not enough numbers")
    NEEDS_EMAIL = "needs_email", _("The account needs an email address")
    MOVE_NEEDS_EMAIL = "move_needs_email", _("The accounts need an email address")


# The words of each code, with their {placeholders}. The article's exact wording where it has one
# ("Unable to move account(s). …", add-and-invite-users.txt).
MESSAGES = {
    Problem.CONTACT_TAKEN: _("{contact} is already used by an account in {organization}"),
    Problem.NUMBER_TAKEN: _("{number} was just taken by another account."),
    Problem.NOT_ENOUGH_NUMBERS: _(
        "Unable to move account(s). You do not have enough numbers available in the selected "
        "organization"
    ),
    Problem.NEEDS_EMAIL: _(
        "{organization} uses SMTP data offload: the account needs an email address, not a "
        "device number."
    ),
    Problem.MOVE_NEEDS_EMAIL: _(
        "Unable to move account(s). {organization} uses SMTP data offload: an account needs an "
        "email address to move there, not only a device number."
    ),
    InvitationOutcome.QUEUED: _("queued"),
    InvitationOutcome.NOT_SENT: _("not sent: {reason}"),
}


@lru_cache(maxsize=256)
def _words(code, language: str | None) -> str:
    return str(MESSAGES[code])


def message(code, **values) -> str:
    """The words of `code` (a Problem or an InvitationOutcome) with its values, in the active
    language (looked up once per code and language: a batch asks for them on every row)."""
    return _words(code, get_language()).format(**values)


def invitation_text(outcome: str, reason: str = "") -> str:
    """A row's invitation column, made from its outcome: "" when nothing was asked of it."""
    if not outcome:
        return ""
    return _invitation_words(outcome, reason, get_language())


@lru_cache(maxsize=1024)
def _invitation_words(outcome: str, reason: str, language: str | None) -> str:
    # A batch has a few outcomes and refusal reasons, asked for twice per row (report and audit).
    return message(InvitationOutcome(outcome), reason=reason)
