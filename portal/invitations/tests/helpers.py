"""Helpers of the invitation tests: pull the link and code out of a message, move time forward."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from portal.invitations import services

LINK = re.compile(r"https?://[^\s<>\"]+/activate/([A-Za-z0-9_\-]+)/")
CODE = re.compile(r"\b(\d{8})\b")


def text_part(message) -> str:
    """The text/plain part of a parsed email (email.message.EmailMessage)."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content()


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link_of(text: str) -> str:
    match = LINK.search(text)
    assert match, f"no activation link in: {text!r}"
    return match.group(0)


def path_of(link: str) -> str:
    return "/activate/" + LINK.search(link).group(1) + "/"


def code_of(text: str) -> str:
    match = CODE.search(text.split("activation")[-1]) or CODE.search(text)
    assert match, f"no activation code in: {text!r}"
    return match.group(1)


def make_due():
    """Retries wait (run_after); pretend the wait is over."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(status="READY").update(
        run_after=timezone.now() - timedelta(seconds=1)
    )


def sent_invitation(account, *, monkeypatch=None):
    """Deliver the queued invitation of `account` in-process
    and return (invitation, token, code)."""
    captured = {}
    real = services._Sender.values

    def spy(self, invitation, *, token, code):
        captured.update(token=token, code=code)
        return real(self, invitation, token=token, code=code)

    services._Sender.values = spy
    try:
        services.deliver_invitations(invitation_ids=[account.invitations.get(state="queued").pk])
    finally:
        services._Sender.values = real
    invitation = account.invitations.order_by("-id").first()
    return invitation, captured["token"], captured["code"]
