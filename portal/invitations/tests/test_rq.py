"""On RQ (scale-out), a temporary failure is retried through RQ's scheduler, and delivered once."""

from __future__ import annotations

import time

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from portal.accounts.services import account_add
from portal.conftest import Mailbox, free_port


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_retry_runs_on_rq_and_delivers_once(rq_queue, alice, org_a, numbers_a, settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.INVITATION_RETRY_DELAYS = (
        2,
    )  # Not due during the first burst, however slow the machine.
    account = account_add(
        actor=alice, organization=org_a, data={"email": "rq@example.com"}, invite=True
    )
    call_command("worker", "--batch", verbosity=0)  # refused: the retry is scheduled in RQ
    invitation = account.invitations.get()
    assert invitation.state == "queued" and invitation.attempts == 1
    assert len(rq_queue.scheduled_job_registry.get_job_ids()) == 1

    time.sleep(2.1)  # Due now.
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        call_command("worker", "--batch", verbosity=0)
        messages = mailbox.wait_for(1)
    finally:
        controller.stop()
    assert len(messages) == 1
    invitation.refresh_from_db()
    assert invitation.state == "sent" and invitation.attempts == 2
