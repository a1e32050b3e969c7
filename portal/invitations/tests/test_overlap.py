"""A batch's emails go out one after the other with each one's final SMTP reply read while the next
is prepared (lib/mail.Outgoing), and its MAIL, RCPT and DATA written together when the server
offers PIPELINING: every refusal, and a connection lost before a message's reply, still lands on
that message's own invitation. Over a real SMTP server (aiosmtpd), as the other delivery tests."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from portal.accounts.services import account_add
from portal.conftest import Mailbox, free_port
from portal.invitations.models import Invitation
from portal.invitations.services import accounts_invite_many
from portal.lib import mail


class Picky(Mailbox):
    """Refuses the recipient nobody@, the text of the message to reject@, and drops the connection
    instead of answering the text of the message to drop@ (once). `pipelining`: offers it."""

    def __init__(self, *, pipelining: bool):
        super().__init__()
        self.pipelining = pipelining
        self.dropped = 0
        self.commands_in_one_read = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        if server._reader._buffer.startswith(b"DATA"):
            self.commands_in_one_read += 1  # DATA came with the RCPT, before its reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        [to] = envelope.rcpt_tos
        if to.startswith("reject@"):
            return "554 5.7.1 Message rejected as spam"
        if to.startswith("drop@") and not self.dropped:
            self.dropped += 1
            server.transport.close()
            return "250 OK"  # never written: the connection is gone
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(params=[False, True], ids=["plain", "pipelining"])
def picky(request, settings):
    mailbox = Picky(pipelining=request.param)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "portal.lib.mail.SmtpBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield mailbox
    finally:
        controller.stop()
        mail.drop_kept()


def _batch(alice, org, local_parts, capture):
    accounts = [
        account_add(actor=alice, organization=org, data={"email": f"{name}@example.com"})
        for name in local_parts
    ]
    with capture(execute=True):
        accounts_invite_many(actor=alice, accounts=accounts)
    return accounts


def _state(account) -> tuple[str, str]:
    invitation = Invitation.objects.get(account=account)
    return invitation.state, invitation.last_error


def test_each_refusal_in_a_batch_is_recorded_against_its_own_invitation(
    alice, org_a, numbers_a, picky, run_tasks, django_capture_on_commit_callbacks
):
    names = ["first", "nobody", "second", "reject", "third"]
    accounts = dict(
        zip(names, _batch(alice, org_a, names, django_capture_on_commit_callbacks), strict=True)
    )
    run_tasks()
    picky.wait_for(3)
    assert sorted(str(m["To"]) for m in picky.messages) == [
        f"{name}@example.com" for name in ("first", "second", "third")
    ]
    for name in ("first", "second", "third"):
        assert _state(accounts[name]) == ("sent", ""), name
    # A 550 for the recipient (refused before the text) and a 554 for the text (read after the
    # next message was prepared): each the reason of its own invitation, a permanent failure.
    for name, reason in (("nobody", "550 5.1.1 No such user"), ("reject", "554 5.7.1 Message")):
        state, error = _state(accounts[name])
        assert state == "failed" and reason in error, (name, error)
        accounts[name].refresh_from_db()
        assert accounts[name].status == "invitation_failed"
        assert reason in accounts[name].status_reason
    if picky.pipelining:
        assert picky.commands_in_one_read >= 3  # RCPT and DATA did come together
    else:
        assert picky.commands_in_one_read == 0  # never ahead of a server that did not offer it


def test_a_connection_lost_before_a_messages_reply_retries_that_one_and_sends_the_rest(
    alice, org_a, numbers_a, picky, run_tasks, django_capture_on_commit_callbacks
):
    names = ["before", "drop", "after", "last"]
    accounts = dict(
        zip(names, _batch(alice, org_a, names, django_capture_on_commit_callbacks), strict=True)
    )
    run_tasks()
    picky.wait_for(3)
    for name in ("before", "after", "last"):
        assert _state(accounts[name]) == ("sent", ""), name
    state, error = _state(accounts["drop"])
    # Whether the server took it is unknown: queued again (a new link next time), not failed.
    assert state == "queued" and "disconnected" in error, error
    assert Invitation.objects.get(account=accounts["drop"]).next_attempt_at is not None
    assert sorted(str(m["To"]) for m in picky.messages) == [
        "after@example.com",
        "before@example.com",
        "last@example.com",
    ]


def test_the_bytes_on_the_wire_are_those_smtplib_sends(picky, settings):
    """The same envelope (SIZE included) and the same text, dots stuffed, as `sendmail`."""
    text = "Hello\n.a line that starts with a dot\n..and two\nend"
    headers = {"Date": "Tue, 01 Dec 2026 10:00:00 -0000", "Message-ID": "<one@multiline.test>"}

    def message():
        return mail.build_message(
            to="someone@example.com", subject="Same bytes", text=text, headers=headers
        )

    connection = mail.open_connection()
    with connection:
        connection.send_messages([message()])  # smtplib's sendmail
    outgoing = mail.Outgoing()
    outgoing.start(message())
    assert outgoing.collect() is None
    picky.wait_for(2)
    first, second = picky.envelopes
    assert first.original_content == second.original_content
    assert b"\r\n.a line that starts with a dot\r\n..and two\r\n" in second.original_content
    assert (first.mail_from, first.rcpt_tos) == (second.mail_from, second.rcpt_tos)
    assert first.mail_options == second.mail_options
    assert any(option.lower().startswith("size=") for option in first.mail_options)
