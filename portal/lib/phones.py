"""Phone numbers: parse what admins type or spreadsheets
store into E.164, with a reason when not (in the active language)."""

from __future__ import annotations

import re

import phonenumbers
from django.utils.translation import gettext as _

_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")


class PhoneError(ValueError):
    pass


def _prepare(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps long digit strings as numbers.
    text = _SEPARATORS.sub("", str(value).strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text and not text.startswith("+"):
        text = "+" + text  # Spreadsheets drop the leading "+"; the country code must be there.
    return text


def to_e164(value) -> str:
    """'+1 (212) 555-0100', '0044 20 7946 0000', 12125550100 -> '+12125550100'; PhoneError else."""
    text = _prepare(value)
    if not text or text == "+":
        raise PhoneError(_("is empty"))
    if not re.fullmatch(r"\+\d+", text):
        raise PhoneError(
            _("“%(value)s” is not a phone number (only digits, spaces, dashes and a leading +)")
            % {"value": value}
        )
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise PhoneError(
            _("“%(value)s” is not a phone number with a country code") % {"value": value}
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise PhoneError(
            _("“%(value)s” is not a valid phone number (check the country code and length)")
            % {"value": value}
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(value: str) -> bool:
    text = str(value).strip()
    return bool(text) and "@" not in text and bool(re.fullmatch(r"[+\d\s\-().\u00a0/]+", text))


def forwarding_number(value) -> str:
    """4 to 18 digits with the country code; kept as '+digits'."""
    text = _prepare(value)
    digits = text.lstrip("+")
    if not digits.isdigit():
        raise PhoneError(
            _("“%(value)s” must be digits only, with the country code") % {"value": value}
        )
    if not 4 <= len(digits) <= 18:
        raise PhoneError(
            _("“%(value)s” has %(count)s digits; it must have 4 to 18, with the country code")
            % {"value": value, "count": len(digits)}
        )
    return "+" + digits


def pretty(e164: str) -> str:
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164
