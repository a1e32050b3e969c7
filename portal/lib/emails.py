"""Every email the portal sends: one function per kind, one way to build a message, one way to
send it (like healthchecks' `emails.py`).

A kind's subject, text and HTML are the templates `emails/<kind>-subject.txt`, `-body.txt` and
`-body.html` (portal/templates/emails/), written with `{% translate %}` tags. The invitation is
the exception: its wording is the organization's (invitations/content.py renders it), and only
its building and sending are here. Every message is a `mail.DirectMessage` (DKIM-signed when
configured) sent over the worker's kept connection; a failure raises `mail.DeliveryError`,
classified temporary or permanent.

This module is in lib, below every app: callers pass plain values and objects for the
templates, and it imports no app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from portal.lib import mail

AUTOMATIC = {"Auto-Submitted": "auto-generated"}


@dataclass(frozen=True)
class Email:
    """A kind's rendered subject, text and HTML, to send to one or more addresses."""

    subject: str
    text: str
    html: str | None
    headers: dict = field(default_factory=dict)

    def send(self, to: list[str]) -> None:
        """Each address gets its own message (no address sees another)."""
        for address in to:
            deliver(
                mail.build_message(
                    to=address,
                    subject=self.subject,
                    text=self.text,
                    html=self.html,
                    headers=self.headers,
                )
            )


def render(kind: str, context: dict, *, headers: dict | None = None) -> Email:
    """The subject (one line, at most 200 characters), text and HTML of `kind` for `context`."""
    context = {"public_url": settings.PUBLIC_URL, **context}
    subject = render_to_string(f"emails/{kind}-subject.txt", context)
    return Email(
        subject=" ".join(subject.split())[:200],
        text=render_to_string(f"emails/{kind}-body.txt", context),
        html=render_to_string(f"emails/{kind}-body.html", context),
        headers=headers or {},
    )


def deliver(message) -> None:
    """Send one message over this worker's kept connection (`mail.kept_connection`, reused from
    task to task). When the server closed a kept connection meanwhile, once more on a new one.
    Raises `mail.DeliveryError`."""
    while True:
        try:
            connection, fresh = mail.kept_connection()
        except Exception as exc:
            mail.drop_kept()
            raise mail.classify(exc) from exc
        try:
            mail.send(message, connection)
            return
        except mail.DeliveryError as error:
            mail.drop_kept()
            if fresh or not mail.went_stale(error.__cause__):
                raise


# ---------------------------------------------------------------- the invitation


def invitation(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    images: dict[str, bytes],
    sender: dict,
    test: bool = False,
) -> None:
    """An invitation in the organization's wording (`content.render_email`), from the identity
    `content.sender_of` chose. `test`: the admin's test send of a wording, marked [Test]."""
    deliver(
        invitation_message(
            to=to, subject=subject, text=text, html=html, images=images, sender=sender, test=test
        )
    )


def invitation_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    images: dict[str, bytes],
    sender: dict,
    test: bool = False,
):
    """The message `invitation` sends, for a caller that sends it itself (`mail.Outgoing`)."""
    return mail.build_message(
        to=to,
        subject=f"[Test] {subject}" if test else subject,
        text=text,
        html=html,
        images=images,
        headers={} if test else AUTOMATIC,
        **sender,
    )


def invitation_test_sms(*, to: str, language: str, text: str) -> None:
    """The admin's test of an SMS wording, by email: the SMS text as the body."""
    deliver(mail.build_message(to=to, subject=f"[Test] SMS invitation ({language})", text=text))


# ---------------------------------------------------------------- to admins


def languages_of(addresses: Iterable[str]) -> dict[str, str]:
    """Each address's language: the Preferences language of the active admin with that email
    (AdminProfile.language), else settings.LANGUAGE_CODE (also for an address that is no admin's).
    By the user model and its `admin` profile's field name only: lib imports no app."""
    from django.contrib.auth import get_user_model

    addresses = list(addresses)
    chosen: dict[str, str] = {}
    wanted = {a.lower() for a in addresses}
    rows = (
        get_user_model()
        .objects.filter(is_active=True, email__in=[*addresses, *wanted])
        .values_list("email", "admin__language")
    )
    for email, language in rows:
        if language:
            chosen.setdefault(email.lower(), language)
    return {a: chosen.get(a.lower(), settings.LANGUAGE_CODE) for a in addresses}


def in_languages(
    make: Callable[[], Email], to: list[str], languages: dict[str, str] | None = None
) -> list[tuple[str, Email, list[str]]]:
    """`make()` rendered once per language of the recipients (`languages_of` unless given):
    (language, email, its addresses), in the order of the addresses' first appearance."""
    languages = languages if languages is not None else languages_of(to)
    groups: dict[str, list[str]] = {}
    for address in to:
        groups.setdefault(languages.get(address) or settings.LANGUAGE_CODE, []).append(address)
    rendered = []
    for language, addresses in groups.items():
        with translation.override(language):
            rendered.append((language, make(), addresses))
    return rendered


def send_in_languages(make: Callable[[], Email], to: list[str]) -> None:
    """Send `make()` to each address in its admin's language (one rendering per language)."""
    for _language, email, addresses in in_languages(make, to):
        email.send(addresses)


def alert(kind: str, context: dict) -> Email:
    """An alert of `kind` (alerts.models.AlertKind): `organization`, `setup_url` and what the
    kind's templates name. The caller claims the event with its subject, then sends it."""
    return render(f"alert-{kind.replace('_', '-')}", context, headers=AUTOMATIC)


def batch_summary(context: dict) -> Email:
    """A batch's summary and report link: `batch`, `organization`, `report_url`, `batch_url`."""
    return render("batch-summary", context, headers=AUTOMATIC)


def set_password(*, to: str, context: dict, language: str = "") -> None:
    """A new admin's link to choose a password: `user`, `by`, `link`, `days`. In the new admin's
    `language` (its Preferences; blank: settings.LANGUAGE_CODE), not the creating admin's."""
    with translation.override(language or settings.LANGUAGE_CODE):
        email = render("set-password", context)
    email.send([to])


def password_reset(*, to: str, context: dict) -> None:
    """Django's password-reset context (`user`, `protocol`, `domain`, `uid`, `token`). Asked for
    from the browser: in the request's language (the active one)."""
    render("password-reset", context).send([to])


def signin_code(*, to: str, token: str) -> None:
    """The code of the email second factor."""
    render("signin-code", {"token": token}).send([to])
