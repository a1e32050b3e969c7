"""The account columns of the CSV batch file, declared once, as data.

Each `Column` says its name (the CSV header, and the API field unless `field` differs), the other
headers a file may use for it, whether a row must fill it, the values it takes (as the article
"Add and invite users" writes them) and how they are read, its help (the article's words), and the
organization feature it belongs to. Everything else is made from this list: the CSV template and
its Note (portal.batches.services), the reader's header aliases, the mandatory columns and the
choices of the row rules (portal.accounts.rules), the API's field descriptions (accounts API,
lifecycle API) and the labels and help of the forms, and the Accounts export's columns.

To add a column: declare it here, add its field to the Account model (and AccountValues), and test
it (portal/accounts/tests/test_columns.py). See docs/architecture.md, "How to add a CSV column".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy, gettext_noop

from portal.organizations.models import Feature, Language

YES = ("yes", "y", "true", "1")
NO = ("no", "n", "false", "0")
TRUE = ("true", "yes", "1")
FALSE = ("false", "no", "0")


@dataclass(frozen=True)
class Column:
    name: str  # the CSV header (header matching ignores case, spaces, dashes and underscores)
    required: bool = False  # a CSV row must fill it (the form and the API default it)
    values: tuple[str, ...] = ()  # the values it takes, as the article writes them
    reads: Mapping[str, Any] = field(
        default_factory=dict
    )  # a value as typed (lower case) -> stored
    hint: str = ""  # what the template's Note says of it; the values when empty
    help: str = (
        ""  # the article's description: the API's help (and the form's, but for `form_help`)
    )
    form_help: str = ""  # the form's help, where it says it for the person typing
    label: str = ""  # the form's label
    aliases: tuple[str, ...] = ()  # other headers that mean this column
    feature: Feature | None = (
        None  # the organization feature it belongs to (forms show it only then)
    )
    template_feature: Feature | None = (
        None  # the template has it only where the organization has this
    )
    field: str = ""  # the API field and AccountValues attribute, when not `name`
    joiner: str = " / "  # between its values in the Note and in messages
    default: Any = None  # a feature toggle's stored value when its cell is empty
    switches_on: tuple = ()  # a feature toggle's stored values that need `feature`...
    feature_words: str = ""  # ...refused with "<feature_words> is not enabled for <organization>"

    @property
    def attribute(self) -> str:
        return self.field or self.name

    @property
    def values_text(self) -> str:
        """Its values as refusals and the Note name them: "Yes / No"."""
        return self.joiner.join(self.values)

    @property
    def note(self) -> str:
        """The column in the template's Note: its name and, in brackets, what to write."""
        hint = self.hint or self.values_text
        return f"{self.name} ({hint})" if hint else self.name

    @property
    def description(self) -> str:
        """The API's description of its field: what to write, then the article's help."""
        hint = self.hint or self.values_text
        return ". ".join(part for part in (hint, self.help) if part)

    def write(self, value: Any) -> str:
        """A stored value as a CSV cell (the export): the article's spelling of it."""
        if value is None:
            return ""
        for written in self.values:
            if self.reads.get(written.lower(), written) == value:
                return written
        return str(value)

    def shown_for(self, organization) -> bool:
        """Whether the organization's CSV template has this column (None: the general template,
        downloaded before an organization is chosen, has every column)."""
        return (
            self.template_feature is None
            or organization is None
            or organization.has_feature(self.template_feature)
        )


def _choices(true: tuple[str, ...], false: tuple[str, ...], yes=True, no=False) -> dict[str, Any]:
    return {**{t: yes for t in true}, **{f: no for f in false}}


LANGUAGE_READS = {label.lower(): code for code, label in Language.choices} | {
    c: c for c in Language.values
}

# In the order of the CSV template.
COLUMNS: tuple[Column, ...] = (
    Column(
        "firstname",
        field="first_name",
        label=gettext_noop("First Name"),
        help="Used to set user's first name",
        aliases=("first name", "first_name"),
    ),
    Column(
        "lastname",
        field="last_name",
        label=gettext_noop("Last Name"),
        help="Used to set user's last name",
        aliases=("last name", "last_name"),
    ),
    Column(
        "email",
        required=True,
        label=gettext_noop("Email or Device #"),
        hint="an email address, or a device number with country code",
        help="Accepts standard email address or phone number (with its country code); must be an "
        "email address if the organization uses SMTP data offload",
        form_help=gettext_noop(
            "Where the invitation goes: an email address, or a mobile number with its "
            "country code (+44 7911 123456)."
        ),
        aliases=(
            "email address or device",
            "email address",
            "email or device",
            "device",
            "device number",
            "device #",
            "email or device #",
        ),
    ),
    Column(
        "social_messaging",
        required=True,
        values=("Yes", "No"),
        reads=_choices(YES, NO),
        label=gettext_noop("Social messaging (WhatsApp, WeChat, LINE)"),
        feature=Feature.SOCIAL_MESSAGING,
        default=False,
        switches_on=(True,),
        feature_words=gettext_noop("social messaging"),
        help="Yes: enables social messaging (WhatsApp, WeChat, and LINE); "
        "No: disables social messaging",
    ),
    Column(
        "multiline_number",
        label=gettext_noop("MultiLine number"),
        hint="an available number of this organization; empty = the user picks one at activation",
        help="Used to set the MultiLine number; must be an Available number and not allocated to "
        "another organization",
        aliases=("primary_number", "multiline number", "number"),
    ),
    Column(
        "monitor_calls",
        required=True,
        values=("auto", "off"),
        reads={"auto": "auto", "off": "off"},
        label=gettext_noop("Record calls (monitor_calls: auto)"),
        feature=Feature.CALL_RECORDING,
        default="off",
        switches_on=("auto",),
        feature_words=gettext_noop("call recording"),
        help="auto: records calls; off: does not record calls",
    ),
    Column(
        "monitor_sms",
        required=True,
        values=("on", "off"),
        reads={"on": "on", "off": "off"},
        label=gettext_noop("Record SMS (monitor_sms: on)"),
        feature=Feature.SMS_RECORDING,
        default="off",
        switches_on=("on",),
        feature_words=gettext_noop("SMS recording"),
        help="on: records SMS; off: does not record SMS",
    ),
    Column(
        "forwarding_number",
        label=gettext_noop("Forwarding number"),
        hint="4 to 18 digits with country code",
        help=gettext_noop(
            "Accepts values between 4 to 18 digits with country code; used for accounts that do "
            "not have voice calling enabled"
        ),
    ),
    Column(
        "restrict_incoming_social_messaging",
        values=("true", "false"),
        reads=_choices(TRUE, FALSE),
        label=gettext_noop("Restrict incoming social messaging"),
        feature=Feature.SOCIAL_MESSAGING,
        template_feature=Feature.SOCIAL_MESSAGING,
        hint="true / false, only with social_messaging Yes",
        help="Accepts true / false; the column is only in the CSV of an organization with Social "
        "Messaging, and the value only applies when social_messaging is Yes",
    ),
    Column(
        "language",
        values=tuple(label for _code, label in Language.choices),
        reads=LANGUAGE_READS,
        joiner=", ",
        label=gettext_noop("Language"),
        help="Accepts English, Italian, German, French, and Spanish (empty: the organization's "
        "default)",
    ),
)

BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
BY_ATTRIBUTE: dict[str, Column] = {c.attribute: c for c in COLUMNS}
NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
FEATURE_FIELDS: dict[str, Feature] = {
    c.attribute: c.feature for c in COLUMNS if c.feature is not None
}
# The columns that switch a feature of the organization on (the row rules read them alike).
TOGGLE_COLUMNS: tuple[Column, ...] = tuple(c for c in COLUMNS if c.switches_on)
# The forms' feature toggles, each feature's together (social messaging, then its restriction).
_FEATURES = list(dict.fromkeys(FEATURE_FIELDS.values()))
TOGGLES: tuple[str, ...] = tuple(
    sorted(FEATURE_FIELDS, key=lambda name: _FEATURES.index(FEATURE_FIELDS[name]))
)


def column(name: str) -> Column:
    """The column of a CSV name or of an API field name."""
    return BY_NAME.get(name) or BY_ATTRIBUTE[name]


def describe(name: str) -> str:
    """The API's description of a column's field."""
    return column(name).description


def label(name: str) -> str:
    """A column's label in the forms, in the language active when it is shown (the declaration
    stays English: the API and the CSV template's Note use it)."""
    declared = column(name).label
    return gettext_lazy(declared) if declared else ""  # (gettext of "" is the header)


def helps(name: str) -> str:
    """A column's help in the forms, translated when shown (the labels and the help the forms show
    are marked `gettext_noop` above)."""
    declared = column(name)
    text = declared.form_help or declared.help
    return gettext_lazy(text) if text else ""


def headers() -> dict[str, str]:
    """Every header a file may use -> the column it means (the names and their aliases)."""
    return {c.name: c.name for c in COLUMNS} | {a: c.name for c in COLUMNS for a in c.aliases}


def template_columns(organization) -> list[Column]:
    return [c for c in COLUMNS if c.shown_for(organization)]
