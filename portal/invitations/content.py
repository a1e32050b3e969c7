"""What an invitation says: template choice, variables, and rendering to text, HTML and SMS.

Admin-written templates are never run through a template engine. They are plain text with
`{{ variable }}` placeholders, substituted by one regular expression: there are no tags, filters or
attribute lookups to abuse. For the HTML part the admin's text is escaped first and only our own
markup (paragraphs, the link, the QR image) is added, so a template cannot inject HTML either.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formataddr
from functools import lru_cache
from html import escape as html_escape

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.invitations import defaults, qr
from portal.invitations.defaults import in_language
from portal.invitations.models import Channel, InvitationTemplate
from portal.lib.dates import when
from portal.lib.errors import DomainError
from portal.lib.phones import pretty

VARIABLES = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "activation_link": gettext_lazy("Activation link"),
    "activation_code": gettext_lazy("Activation code"),
    "qr_code": gettext_lazy("QR code of the link (HTML email only)"),
    "multiline_number": gettext_lazy("MultiLine number"),
    "organization": gettext_lazy("Organization name"),
    "expires_on": gettext_lazy("Expiry date and time of the invitation"),
}
REQUIRED = ("activation_link", "activation_code")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
ANY_BRACES = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
QR_CID = "qr@multiline"
LANGUAGES = ("en", "it", "de", "fr", "es")


@dataclass
class Values:
    """The values of one invitation's variables."""

    first_name: str
    last_name: str
    activation_link: str
    activation_code: str
    multiline_number: str  # E.164, or "" when the user picks one at activation
    organization: str
    expires_on: datetime
    language: str = "en"
    time_zone: str = ""  # the organization's (IANA name); "" is settings.TIME_ZONE

    def as_text(self) -> dict[str, str]:
        expires = expiry_text(self.expires_on, self.language, self.time_zone)
        texts = _texts(self.language)
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "activation_link": self.activation_link,
            "activation_code": self.activation_code,
            "multiline_number": pretty(self.multiline_number)
            if self.multiline_number
            else texts.number_at_activation,
            "organization": self.organization,
            "expires_on": expires,
            "qr_code": texts.qr_in_text,
        }


@dataclass(frozen=True)
class _Texts:
    number_at_activation: str
    qr_in_text: str
    qr_alt: str


@lru_cache(maxsize=16)
def _texts(language: str) -> _Texts:
    """The shipped words an invitation carries, in `language` (looked up once per process)."""
    return _Texts(
        number_at_activation=in_language(defaults.NUMBER_AT_ACTIVATION, language),
        qr_in_text=in_language(defaults.QR_IN_TEXT, language),
        qr_alt=in_language(defaults.QR_ALT, language),
    )


@dataclass
class Wording:
    subject: str
    body: str
    custom: bool = False
    updated_at: datetime | None = None
    updated_by: str = ""


@dataclass
class RenderedEmail:
    subject: str
    text: str
    html: str
    images: dict[str, bytes] = field(default_factory=dict)


@lru_cache(maxsize=256)
def expiry_text(expires: datetime, language: str, time_zone: str = "") -> str:
    """An invitation's expiry as the language writes it, in its organization's time zone, with
    the zone shown: "8 dicembre 2026, 14:30 CET" (the invitations of one run share a few)."""
    with translation.override(language):
        return when(expires, tz=time_zone or settings.TIME_ZONE)


# ---------------------------------------------------------------- checking admin templates


def check_wording(*, channel: str, subject: str, body: str) -> None:
    """Refuse a template that drops the link or the code,
    names an unknown variable, or uses tags."""
    problems: dict[str, list[str]] = {}
    messages = []
    if channel == Channel.EMAIL:
        if not subject.strip():
            problems.setdefault("subject", []).append(_("required"))
            messages.append(_("An email needs a subject."))
        if "\n" in subject or "\r" in subject:
            problems.setdefault("subject", []).append(_("must be one line"))
            messages.append(_("The subject must be one line."))
    if not body.strip():
        problems.setdefault("body", []).append(_("required"))
        messages.append(_("The body is empty."))
    for part, text in (("subject", subject), ("body", body)):
        if "{%" in text or "%}" in text:
            problems.setdefault(part, []).append(_("template tags ({% … %}) are not supported"))
            messages.append(
                _("The subject uses {% … %} tags; only {{ variable }} placeholders are supported.")
                if part == "subject"
                else _(
                    "The body uses {% … %} tags; only {{ variable }} placeholders are supported."
                )
            )
        unknown = sorted(
            {inner.strip() for inner in ANY_BRACES.findall(text) if inner.strip() not in VARIABLES}
        )
        for name in unknown:
            variable = "{{ " + name + " }}"
            problems.setdefault(part, []).append(
                _("unknown variable %(variable)s") % {"variable": variable}
            )
            values = {"variable": variable, "available": ", ".join(VARIABLES)}
            messages.append(
                (
                    _(
                        "The subject uses an unknown variable %(variable)s; "
                        "available: %(available)s."
                    )
                    if part == "subject"
                    else _(
                        "The body uses an unknown variable %(variable)s; available: %(available)s."
                    )
                )
                % values
            )
    if "qr_code" in PLACEHOLDER.findall(subject):
        problems.setdefault("subject", []).append(_("the QR code can only be in the body"))
        messages.append(_("The QR code can only be in the body."))
    used = set(PLACEHOLDER.findall(body))
    for name in REQUIRED:
        if name not in used:
            variable = "{{ " + name + " }}"
            problems.setdefault("body", []).append(
                _("missing %(variable)s") % {"variable": variable}
            )
            messages.append(
                _(
                    "The body must contain {{ activation_link }} (activation link): without it "
                    "the user cannot activate."
                )
                if name == "activation_link"
                else _(
                    "The body must contain {{ activation_code }} (activation code): without it "
                    "the user cannot activate."
                )
            )
    if problems:
        raise DomainError(" ".join(messages), fields=problems)


# ---------------------------------------------------------------- choosing the wording


def language_of(account) -> str:
    language = account.language or account.organization.default_language or "en"
    return language if language in LANGUAGES else "en"


def default_wording(language: str, channel: str) -> Wording:
    if channel == Channel.SMS:
        return Wording(subject="", body=in_language(defaults.SMS_BODY, language))
    return Wording(
        subject=in_language(defaults.EMAIL_SUBJECT, language),
        body=in_language(defaults.EMAIL_BODY, language),
    )


def wording_for(organization, language: str, channel: str) -> Wording:
    """The organization's own template, else its nearest parent's, else the shipped default."""
    ancestry = organization.ancestors_and_self() or [organization.pk]
    custom = {
        t.organization_id: t
        for t in InvitationTemplate.objects.filter(
            organization_id__in=ancestry, language=language, channel=channel
        )
    }
    for org_id in reversed(ancestry):
        if org_id in custom:
            template = custom[org_id]
            return Wording(
                subject=template.subject,
                body=template.body,
                custom=True,
                updated_at=template.updated_at,
                updated_by=template.updated_by,
            )
    return default_wording(language, channel)


# ---------------------------------------------------------------- rendering

_SPACES, _SPACE_COMMA, _COMMA_COLON, _LINE_END = (
    re.compile(r"[ \t]{2,}"),
    re.compile(r"[ \t]+,"),
    re.compile(r",[ \t]*:"),
    re.compile(r"[^\S\n]+$", re.MULTILINE),  # what str.rstrip takes off each line
)


def _tidy(text: str) -> str:
    """Clean what empty names leave behind: "Hello  ," → "Hello,", "Hola, :" → "Hola:"; each
    line's trailing spaces go. (None of the patterns crosses a line: applied to the whole text,
    they do what they would line by line.)"""
    # Each pattern only where it can match (a substring test is ~10 times cheaper than a scan).
    if "  " in text or "\t" in text:
        text = _SPACES.sub(" ", text)
    if " ," in text or "\t," in text:
        text = _SPACE_COMMA.sub(",", text)
    if ",:" in text or ", :" in text or ",\t:" in text:  # no longer runs of spaces
        text = _COMMA_COLON.sub(":", text)
    return _LINE_END.sub("", text)


def substitute(template: str, values: dict[str, str]) -> str:
    return _tidy(_fill(_pieces(template), values))


@lru_cache(maxsize=256)
def _pieces(template: str) -> tuple:
    """`template` cut once at its placeholders: text, (name, placeholder as written), text, …"""
    pieces, at = [], 0
    for match in PLACEHOLDER.finditer(template):
        pieces += [template[at : match.start()], (match.group(1), match.group(0))]
        at = match.end()
    pieces.append(template[at:])
    return tuple(pieces)


def _fill(pieces: tuple, values: dict[str, str]) -> str:
    """The pieces with each placeholder's value (an unknown one stays as written)."""
    return "".join(
        piece if piece.__class__ is str else values.get(piece[0], piece[1]) for piece in pieces
    )


def qr_png(link: str) -> bytes:
    """The QR code of `link` as a PNG (portal.invitations.qr)."""
    return qr.png(link)


def body_html(body: str, values: dict[str, str], *, qr_src: str, qr_alt: str = "QR code") -> str:
    """The admin's body as HTML: escaped text, blank lines →
    paragraphs, our markup for the link and QR."""
    return _body_html(_html_pieces(body), values, qr_src, qr_alt)


@lru_cache(maxsize=256)
def _html_pieces(body: str) -> tuple:
    """The body cut at its placeholders once, its text escaped: text, (name, an unknown
    placeholder as the HTML shows it), text, …"""
    parts = PLACEHOLDER.split(body)  # text, name, text, name, …
    return tuple(
        (part, _escape("{{ " + part + " }}")) if index % 2 else _escape(part)
        for index, part in enumerate(parts)
    )


_PARAGRAPH = re.compile(r"\n[ \t]*\n")


def _body_html(pieces: tuple, values: dict[str, str], qr_src: str, qr_alt: str) -> str:
    html_values = {name: _escape(value) for name, value in values.items()}
    link = _escape(values["activation_link"])
    html_values["activation_link"] = (
        f'<a href="{link}" style="color:#0b5cad;font-weight:bold;word-break:break-all">{link}</a>'
    )
    html_values["activation_code"] = (
        "<strong "
        f'style="font-size:1.2em;letter-spacing:.12em">{_escape(values["activation_code"])}</strong>'
    )
    html_values["qr_code"] = (
        f'<img src="{_escape(qr_src)}" width="180" height="180" alt="{_escape(qr_alt)}" '
        'style="display:block;margin:8px 0">'
    )
    html = _tidy(_fill(pieces, html_values))
    paragraphs = [p.strip("\n") for p in _PARAGRAPH.split(html) if p.strip()]
    return "\n".join(
        f'<p style="margin:0 0 14px">{p.replace(chr(10), "<br>")}</p>' for p in paragraphs
    )


def _escape(text: str) -> str:
    """Django's `escape` (the same characters), without its lazy-string wrapper."""
    return html_escape(str(text))


# Markers of what differs between two invitations in the HTML page around the body.
_MARK = {name: f"\x00{secrets.token_hex(8)}:{name}\x00" for name in ("subject", "body", "link")}
_MARKS = re.compile("(" + "|".join(re.escape(mark) for mark in _MARK.values()) + ")")
_MARKED = {mark: name for name, mark in _MARK.items()}


@lru_cache(maxsize=256)
def _page(language: str, organization: str) -> str:
    """The HTML page around an invitation's body, rendered once per language and organization
    name with markers where its subject, body and link go (`render_email` puts them in, escaped
    as the template would)."""
    with translation.override(language):
        return render_to_string(
            "invitations/email/invitation.html",
            {
                "subject": _MARK["subject"],
                "body": mark_safe(_MARK["body"]),
                "language": language,
                "organization": organization,
                "activation_link": _MARK["link"],
                "button": str(defaults.BUTTON),
                "link_fallback": str(defaults.LINK_FALLBACK),
                "footer": footer(language, organization),
            },
        )


@lru_cache(maxsize=256)
def _page_pieces(language: str, organization: str) -> tuple:
    """`_page` cut at its markers: text, (name of what goes there,), text, …"""
    parts = _MARKS.split(_page(language, organization))
    return tuple((_MARKED[part],) if index % 2 else part for index, part in enumerate(parts))


@lru_cache(maxsize=256)
def footer(language: str, organization: str) -> str:
    return in_language(defaults.FOOTER, language) % {"organization": organization}


def render_email(wording: Wording, values: Values, *, for_browser: bool = False) -> RenderedEmail:
    """Subject, plain text and HTML of one email. `for_browser` puts the QR code in a data URI
    (preview page); mail gets it as an inline image part referenced by cid.

    What every invitation of an organization, language and wording shares is made once and kept
    (the wording and page cut at their placeholders, the text escaped, the shipped words
    translated: `_pieces`, `_html_pieces`, `_page_pieces`, `_texts`, keyed by the wording's own
    text, so a changed template is a new key); per message only the values go in."""
    text_values = values.as_text()
    subject = " ".join(substitute(wording.subject, text_values).split())
    text = (
        substitute(wording.body, text_values)
        + "\n\n-- \n"
        + footer(values.language, values.organization)  # also in _page
    )
    png = qr_png(values.activation_link)
    src = (
        "data:image/png;base64," + base64.b64encode(png).decode()
        if for_browser
        else f"cid:{QR_CID}"
    )
    fragment = _body_html(
        _html_pieces(wording.body), text_values, src, _texts(values.language).qr_alt
    )
    fills = {
        "subject": _escape(subject),
        "link": _escape(values.activation_link),
        "body": fragment,
    }
    html = "".join(
        piece if piece.__class__ is str else fills[piece[0]]
        for piece in _page_pieces(values.language, values.organization)
    )
    return RenderedEmail(
        subject=subject, text=text, html=html, images={} if for_browser else {QR_CID: png}
    )


def render_sms(wording: Wording, values: Values) -> str:
    text_values = values.as_text()
    text_values["qr_code"] = ""
    return " ".join(substitute(wording.body, text_values).split())


def sender_of(organization) -> dict:
    """The From and Reply-To of an organization's invitations: its sender name (else its name)
    and its sender address (else PORTAL_FROM_EMAIL), and its Reply-To when it has one."""
    address = organization.sender_email or settings.PORTAL_FROM_EMAIL
    return {
        "from_email": formataddr((organization.sender_name or organization.name, address)),
        "reply_to": [organization.reply_to] if organization.reply_to else None,
    }
