"""The rules of an account's values, in one place for the form, the API and every CSV row.

`clean_values` checks what one row says on its own; `find_conflicts` checks many rows against the
database in a few queries (duplicates, numbers, tags). Errors are keyed by the CSV column name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db.models import Count
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from portal.access import disclosure
from portal.accounts import columns
from portal.accounts.models import Account
from portal.accounts.outcomes import Problem, message
from portal.lib.chunks import OneOf, chunks
from portal.lib.phones import PhoneError, forwarding_number, looks_like_phone, to_e164
from portal.numbers.models import Number, NumberStatus
from portal.organizations.models import Feature, Organization


def _remember_valid_domains() -> None:
    """email-validator checks an address's domain part with a pure function of that domain (IDNA,
    characters, special-use names): ~60 % of its time. A file of thousands of addresses has a few
    domains, so the verdicts on valid domains are remembered (an invalid one raises and is checked
    again each time). Every address still goes through `validate_email` whole."""
    import importlib

    module = importlib.import_module(
        "email_validator.validate_email"
    )  # The module, not the function.
    check = getattr(module, "validate_email_domain_name", None)
    if check is not None and not hasattr(check, "cache_info"):
        module.validate_email_domain_name = lru_cache(maxsize=4096)(check)


_remember_valid_domains()

# The values of each column and how they are read: portal.accounts.columns.
_RESTRICT = columns.column("restrict_incoming_social_messaging")
_LANGUAGE = columns.column("language")

# Columns (and API fields) in the order of the CSV template.
COLUMNS = columns.NAMES
MANDATORY_COLUMNS = columns.REQUIRED
CONTACT_TAKEN = Problem.CONTACT_TAKEN  # the email or device number already has an account


@dataclass
class AccountValues:
    first_name: str = ""
    last_name: str = ""
    email: str | None = None
    device_number: str | None = None
    social_messaging: bool = False
    multiline_number: str | None = None
    number_tag: str | None = None
    monitor_calls: str = "off"
    monitor_sms: str = "off"
    forwarding_number: str = ""
    restrict_incoming_social_messaging: bool | None = None
    language: str = ""

    @property
    def contact_key(self) -> str:
        return (self.email or "").lower() or (self.device_number or "")


# The fields an account takes from its checked values as they are (`AccountValues` has the same
# names).
ACCOUNT_VALUES = (
    "first_name",
    "last_name",
    "email",
    "device_number",
    "social_messaging",
    "monitor_calls",
    "monitor_sms",
    "forwarding_number",
    "restrict_incoming_social_messaging",
    "language",
)


@dataclass
class Problems:
    """Reasons per column; a row with any is refused as a whole."""

    by_column: dict[str, list[str]] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)  # what callers decide on (CONTACT_TAKEN…)

    def add(self, column: str, reason: str, *, code: str = "") -> None:
        self.by_column.setdefault(column, []).append(reason)
        if code:
            self.codes.add(code)

    def __bool__(self) -> bool:
        return any(self.by_column.values())

    def as_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.by_column.items() if v}

    def summary(self) -> str:
        if not self.by_column:
            return ""
        return "; ".join(
            f"{col}: {reason}" for col, reasons in self.as_dict().items() for reason in reasons
        )


def _blank(value: Any) -> bool:
    if value.__class__ is str:  # a CSV cell (asked ~11 times a row)
        return not value.strip()
    return value is None or (isinstance(value, str) and value.strip() == "")


def _text(value: Any) -> str:
    if value.__class__ is str:  # a CSV cell
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _choice(value: Any, column: columns.Column, problems: Problems, default):
    """The stored value of a choice cell, by `column.reads`; else a problem naming its values."""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    text = _text(value).lower()
    if text in column.reads:
        return column.reads[text]
    problems.add(
        column.name,
        _("“%(value)s” is not one of %(allowed)s")
        % {"value": _text(value), "allowed": column.values_text},
    )
    return default


def clean_values(
    organization,
    data: Mapping[str, Any],
    *,
    strict: bool = False,
    known_numbers: Mapping[Any, str] | None = None,
) -> tuple[AccountValues, Problems]:
    """Check one account's values against `organization`'s features.

    `strict` (CSV rows) makes the article's mandatory columns mandatory; the form and the API
    default them (No / off / off). `known_numbers`: cells (as typed) of numbers of the inventory,
    with their E.164 (`bulk._inventory`); validated when they entered it, such a number skips the
    phone-number parser.
    """
    problems = Problems()
    values = AccountValues()
    values.first_name = _text(data.get("first_name", data.get("firstname")))[:100]
    values.last_name = _text(data.get("last_name", data.get("lastname")))[:100]

    contact = _text(data.get("email"))
    device = _text(data.get("device_number"))
    if contact and device:
        problems.add("email", _("give an email or a device number, not both"))
    contact = contact or device
    if not contact:
        problems.add(
            "email", _("is mandatory: an email address or a device number with country code")
        )
    elif looks_like_phone(contact):
        try:
            values.device_number = to_e164(contact)
        except PhoneError as error:
            problems.add("email", _("the device number %(error)s") % {"error": error})
        if organization.has_feature(Feature.SMTP_DATA_OFFLOAD):
            problems.add(
                "email",
                _("must be an email address: %(organization)s uses SMTP data offload")
                % {"organization": organization},
            )
    else:
        try:
            values.email = validate_email(contact, check_deliverability=False).normalized
        except EmailNotValidError as error:
            problems.add(
                "email",
                _("“%(contact)s” is not a valid email address (%(error)s)")
                % {"contact": contact, "error": error},
            )

    for column in MANDATORY_COLUMNS[1:]:
        if strict and _blank(data.get(column)):
            problems.add(column, _("is mandatory"))

    for column in columns.TOGGLE_COLUMNS:  # social_messaging, monitor_calls, monitor_sms
        raw = data.get(column.name)
        value = column.default
        if not _blank(raw):
            value = _choice(raw, column, problems, column.default)
        setattr(values, column.attribute, value)
        if value in column.switches_on and not organization.has_feature(column.feature):
            problems.add(
                column.name,
                _("%(feature)s is not enabled for %(organization)s")
                % {"feature": _(column.feature_words), "organization": organization},
            )

    raw = data.get("forwarding_number")
    if not _blank(raw):
        try:
            values.forwarding_number = forwarding_number(raw)
        except PhoneError as error:
            problems.add("forwarding_number", str(error))

    raw = data.get("restrict_incoming_social_messaging")
    if not _blank(raw):
        if not organization.has_feature(Feature.SOCIAL_MESSAGING):
            problems.add(
                "restrict_incoming_social_messaging",
                _("only for organizations with social messaging; %(organization)s has none")
                % {"organization": organization},
            )
        else:
            restrict = _choice(raw, _RESTRICT, problems, None)
            if restrict and not values.social_messaging:
                problems.add(
                    "restrict_incoming_social_messaging",
                    _("applies only when social_messaging is Yes"),
                )
            values.restrict_incoming_social_messaging = (
                restrict if values.social_messaging else None
            )

    raw = data.get("language")
    if not _blank(raw):
        values.language = _choice(raw, _LANGUAGE, problems, "")

    number = data.get("multiline_number")
    tag = _text(data.get("number_tag"))
    if not _blank(number) and tag:
        problems.add("multiline_number", _("choose a number or a tag, not both"))
    known = known_numbers.get(number) if known_numbers and not _blank(number) else None
    if known is not None:
        values.multiline_number = known
    elif not _blank(number):
        try:
            values.multiline_number = to_e164(number)
        except PhoneError as error:
            problems.add("multiline_number", _("the number %(error)s") % {"error": error})
    elif tag:
        values.number_tag = tag.upper()
    return values, problems


def find_conflicts(
    organization,
    rows: list[AccountValues],
    *,
    actor,
    exclude_account_ids=(),
    row_numbers: list[int] | None = None,
    seen: dict | None = None,
) -> list[Problems]:
    """Problems of each row against the database and against the other rows, in a few queries.

    `actor` is who asks: an account or number held outside its scope is only "not available"
    (`access.disclosure`), one in its scope is named. `row_numbers` name the rows in messages (a
    spreadsheet's numbers; default 1, 2, …); `seen` carries the file's earlier contacts and
    numbers across calls when a file is checked in chunks.
    """
    scope = disclosure.scope_of(actor)

    problems = [Problems() for _ in rows]
    emails = {r.email.lower() for r in rows if r.email}
    devices = {r.device_number for r in rows if r.device_number}
    numbers = {r.multiline_number for r in rows if r.multiline_number}
    others = Account.objects.exclude(pk__in=list(exclude_account_ids))
    taken_emails: dict[str, int] = {}  # the holder's organization id
    for chunk in chunks(sorted(emails)):
        taken_emails.update(
            others.annotate(e=Lower("email"))
            .filter(OneOf("e", chunk, "text"))
            .values_list("e", "organization_id")
        )
    taken_devices: dict[str, int] = {}
    for chunk in chunks(sorted(devices)):
        taken_devices.update(
            others.filter(OneOf("device_number", chunk, "text")).values_list(
                "device_number", "organization_id"
            )
        )
    inventory = {}
    for chunk in chunks(sorted(numbers)):
        inventory.update(
            {
                n["e164"]: n
                for n in Number.objects.filter(OneOf("e164", chunk, "text")).values(
                    "e164", "organization_id", "status"
                )
            }
        )
    named = {
        o for o in [*taken_emails.values(), *taken_devices.values()] if disclosure.sees(scope, o)
    }
    names = (
        dict(Organization.objects.filter(pk__in=named).values_list("pk", "name")) if named else {}
    )
    free = (NumberStatus.AVAILABLE, NumberStatus.RESERVED)
    tags_wanted = Counter(r.number_tag for r in rows if r.number_tag and not r.multiline_number)
    tag_stock = {}
    if tags_wanted:
        tag_stock = dict(
            Number.objects.filter(
                organization=organization, status__in=free, tags__name__in=list(tags_wanted)
            )
            .values_list("tags__name")
            .annotate(n=Count("pk"))
            .order_by()
        )
    labels = row_numbers or list(range(1, len(rows) + 1))
    seen = {} if seen is None else seen
    seen_contacts: dict[str, int] = seen.setdefault("contacts", {})
    seen_numbers: dict[str, int] = seen.setdefault("numbers", {})
    tag_used: Counter = Counter()
    for index, (row, p) in enumerate(zip(rows, problems)):
        key = row.contact_key
        if key and key in seen_contacts:
            p.add(
                "email",
                _("%(contact)s is also in row %(row)s of this upload")
                % {"contact": row.email or row.device_number, "row": seen_contacts[key]},
            )
        elif row.email and row.email.lower() in taken_emails:
            holder = taken_emails[row.email.lower()]
            p.add(
                "email",
                message(CONTACT_TAKEN, contact=row.email, organization=names[holder])
                if holder in names
                else disclosure.EMAIL_NOT_AVAILABLE,
                code=CONTACT_TAKEN,
            )
        elif row.device_number and row.device_number in taken_devices:
            holder = taken_devices[row.device_number]
            p.add(
                "email",
                message(
                    CONTACT_TAKEN,
                    contact=_("device number {number}").format(number=row.device_number),
                    organization=names[holder],
                )
                if holder in names
                else disclosure.DEVICE_NOT_AVAILABLE,
                code=CONTACT_TAKEN,
            )
        if key:
            seen_contacts.setdefault(key, labels[index])
        if row.multiline_number:
            n = inventory.get(row.multiline_number)
            if n is None or not disclosure.sees(scope, n["organization_id"]):
                # A number nobody has and one of another tenant read alike to an admin.
                p.add(
                    "multiline_number",
                    _("%(number)s is not in the number inventory")
                    % {"number": row.multiline_number}
                    if scope is None
                    else disclosure.NUMBER_NOT_AVAILABLE,
                )
            elif n["organization_id"] != organization.pk:
                p.add(
                    "multiline_number",
                    _("%(number)s is not a number of %(organization)s")
                    % {"number": row.multiline_number, "organization": organization},
                )
            elif n["status"] not in free:
                p.add(
                    "multiline_number",
                    _("%(number)s is not available: it is %(status)s")
                    % {"number": row.multiline_number, "status": n["status"]},
                )
            elif row.multiline_number in seen_numbers:
                p.add(
                    "multiline_number",
                    _("%(number)s is also in row %(row)s of this upload")
                    % {"number": row.multiline_number, "row": seen_numbers[row.multiline_number]},
                )
            seen_numbers.setdefault(row.multiline_number, labels[index])
        elif row.number_tag:
            tag_used[row.number_tag] += 1
            if tag_used[row.number_tag] > tag_stock.get(row.number_tag, 0):
                p.add(
                    "number_tag",
                    _("%(organization)s has no available number tagged %(tag)s left")
                    % {"organization": organization, "tag": row.number_tag},
                )
    return problems
