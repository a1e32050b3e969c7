"""Delivery by email over a real SMTP server: content, retries, permanent failures, exactly once."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from portal.accounts.services import account_add
from portal.conftest import Mailbox, free_port
from portal.invitations.models import Invitation
from portal.invitations.services import accounts_invite_many
from portal.invitations.tests.helpers import (
    code_of,
    html_part,
    link_of,
    make_due,
    path_of,
    text_part,
)


def invite(actor, organization, email, capture, **data):
    with capture(execute=True):
        return account_add(
            actor=actor, organization=organization, data={"email": email, **data}, invite=True
        )


def test_it_emails_an_invitation_that_activates_the_account(
    alice,
    org_a,
    numbers_a,
    smtp_server,
    run_tasks,
    client,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.PUBLIC_URL = "http://portal.example.com"
    account = invite(
        alice,
        org_a,
        "maria@example.com",
        django_capture_on_commit_callbacks,
        firstname="Maria",
        lastname="Rossi",
    )
    run_tasks()

    [message] = smtp_server.wait_for(1)
    assert message["To"] == "maria@example.com"
    assert message["Subject"] == "Org A invites you to MultiLine"
    text = text_part(message)
    assert "Hello Maria Rossi," in text
    link = link_of(text)
    assert link.startswith("http://portal.example.com/activate/")
    code = code_of(text)
    html = html_part(message)
    assert link in html and code in html and 'src="cid:qr@multiline"' in html
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<qr@multiline>"
    assert message.get_content_type() == "multipart/related"

    page = client.get(path_of(link))
    assert page.status_code == 200
    assert "Pick your MultiLine number" in page.content.decode()
    chosen = numbers_a[2]
    assert chosen in page.content.decode()
    done = client.post(path_of(link), {"number": chosen})
    assert done.status_code == 200
    assert (
        f'Your MultiLine number is <strong class="mono" id="activated-number">{chosen}</strong>'
        in done.content.decode()
    )
    account.refresh_from_db()
    assert account.status == "active" and account.number.e164 == chosen
    assert account.number.status == "registered"
    invitation = account.invitations.get()
    assert invitation.state == "used" and invitation.attempts == 1 and invitation.sent_at


def test_it_shows_the_assigned_number_in_the_invitation(
    alice, org_a, numbers_a, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    invite(
        alice,
        org_a,
        "num@example.com",
        django_capture_on_commit_callbacks,
        multiline_number=numbers_a[0],
    )
    run_tasks()
    [message] = smtp_server.wait_for(1)
    assert "Your MultiLine number: +1 212-555-0100" in text_part(message)


def test_it_delivers_exactly_once_when_the_mail_server_comes_back(
    alice, org_a, numbers_a, run_tasks, settings, django_capture_on_commit_callbacks
):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    account = invite(alice, org_a, "late@example.com", django_capture_on_commit_callbacks)

    run_tasks()  # Nobody listens on the port: connection refused, retried later.
    invitation = account.invitations.get()
    assert invitation.state == "queued" and invitation.attempts == 1
    assert "unreachable" in invitation.last_error and invitation.next_attempt_at
    account.refresh_from_db()
    assert account.status == "invited"

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        make_due()
        run_tasks()
        make_due()
        run_tasks()  # Nothing left to do: still one message.
        messages = mailbox.wait_for(1)
    finally:
        controller.stop()
    assert len(messages) == 1
    invitation.refresh_from_db()
    assert invitation.state == "sent" and invitation.attempts == 2 and invitation.last_error == ""


def test_it_gives_up_after_the_last_attempt_and_says_why(
    alice, org_a, numbers_a, run_tasks, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.INVITATION_MAX_ATTEMPTS = 3
    account = invite(alice, org_a, "never@example.com", django_capture_on_commit_callbacks)
    for _ in range(3):
        run_tasks()
        make_due()
    invitation = account.invitations.get()
    assert invitation.state == "failed" and invitation.attempts == 3
    account.refresh_from_db()
    assert account.status == "invitation_failed"
    assert "gave up after 3 attempts" in account.status_reason


class RefusingMailbox(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_it_fails_at_once_when_the_server_refuses_the_recipient(
    alice, org_a, numbers_a, run_tasks, settings, django_capture_on_commit_callbacks
):
    mailbox = RefusingMailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        bad = invite(alice, org_a, "nobody@example.com", django_capture_on_commit_callbacks)
        good = invite(alice, org_a, "somebody@example.com", django_capture_on_commit_callbacks)
        run_tasks()
        mailbox.wait_for(1)
    finally:
        controller.stop()
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == "invitation_failed"
    assert "550" in bad.status_reason and "No such user" in bad.status_reason
    assert bad.invitations.get().attempts == 1
    assert good.status == "invited" and good.invitations.get().state == "sent"
    assert [str(m["To"]) for m in mailbox.messages] == ["somebody@example.com"]


class GreylistingMailbox(Mailbox):
    """Answers 451 (try again later) to the first attempt, as greylisting servers do."""

    def __init__(self):
        super().__init__()
        self.refused = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.refused:
            self.refused += 1
            return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_4xx_answer_is_retried_and_the_reason_shows_on_the_accounts_screen(
    alice, org_a, numbers_a, run_tasks, settings, login, django_capture_on_commit_callbacks
):
    mailbox = GreylistingMailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        account = invite(alice, org_a, "grey@example.com", django_capture_on_commit_callbacks)
        run_tasks()
        page = login(alice).get("/accounts/").content.decode()
        assert "451" in page and "Greylisted" in page  # the admin sees why it is not sent yet
        make_due()
        run_tasks()
        messages = mailbox.wait_for(1)
    finally:
        controller.stop()
    assert len(messages) == 1
    invitation = account.invitations.get()
    assert invitation.state == "sent" and invitation.attempts == 2


def test_a_permanent_failure_shows_on_the_accounts_screen(
    alice, org_a, numbers_a, run_tasks, settings, login, django_capture_on_commit_callbacks
):
    settings.SMS_URL = "http://127.0.0.1:9/unreachable"
    settings.INVITATION_MAX_ATTEMPTS = 1
    invite(alice, org_a, "+12025550150", django_capture_on_commit_callbacks)
    run_tasks()
    page = login(alice).get("/accounts/?status=invitation_failed").content.decode()
    assert "+12025550150" in page and "SMS gateway unreachable" in page


def test_it_never_sends_the_same_invitation_twice_when_queued_twice(
    alice, org_a, numbers_a, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    from portal.invitations.tasks import send_invitation

    account = invite(alice, org_a, "twice@example.com", django_capture_on_commit_callbacks)
    send_invitation.enqueue(invitation_id=account.invitations.get().pk)
    run_tasks()
    smtp_server.wait_for(2, timeout=1)
    assert len(smtp_server.messages) == 1


def test_it_sends_a_batch_over_one_connection(
    alice, org_a, numbers_a, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    accounts = [
        account_add(actor=alice, organization=org_a, data={"email": f"u{i}@example.com"})
        for i in range(4)
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        results = accounts_invite_many(actor=alice, accounts=accounts)
    assert len(callbacks) == 1  # one task for the whole batch
    assert [reason for _a, _inv, reason in results] == ["", "", "", ""]
    run_tasks()
    messages = smtp_server.wait_for(4)
    assert sorted(str(m["To"]) for m in messages) == [f"u{i}@example.com" for i in range(4)]
    assert len({e.mail_from for e in smtp_server.envelopes}) == 1
    assert set(Invitation.objects.values_list("state", flat=True)) == {"sent"}


def test_it_reports_what_a_batch_could_not_invite(alice, org_a, smtp_server):
    from portal.conftest import add_numbers

    add_numbers(org_a, ["+12125550100"])
    org_a.allowed_email_domains = "example.com"
    org_a.save()
    accounts = [
        account_add(actor=alice, organization=org_a, data={"email": e})
        for e in ("a@example.com", "b@example.com", "c@elsewhere.org")
    ]
    results = accounts_invite_many(actor=alice, accounts=accounts)
    reasons = {a.email: reason for a, _inv, reason in results}
    assert reasons["a@example.com"] == ""
    assert "no available number" in reasons["b@example.com"] and "Org A" in reasons["b@example.com"]
    assert "only invites addresses at example.com" in reasons["c@elsewhere.org"]


def test_a_file_backend_writes_the_email(
    alice, org_a, numbers_a, run_tasks, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    invite(alice, org_a, "file@example.com", django_capture_on_commit_callbacks)
    run_tasks()
    [path] = list(tmp_path.iterdir())
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert "/activate/" in text_part(message)


@pytest.mark.parametrize(
    "language,subject",
    [("it", "Org A La invita a usare MultiLine"), ("de", "Org A lädt Sie zu MultiLine ein")],
)
def test_the_accounts_language_picks_the_wording(
    alice,
    org_a,
    numbers_a,
    smtp_server,
    run_tasks,
    language,
    subject,
    django_capture_on_commit_callbacks,
):
    invite(alice, org_a, "lang@example.com", django_capture_on_commit_callbacks, language=language)
    run_tasks()
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == subject


def test_an_invitation_left_sending_by_a_crashed_worker_is_sent_once_later(
    alice, org_a, numbers_a, smtp_server, run_tasks, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from portal.invitations.tasks import send_invitation

    account = account_add(actor=alice, organization=org_a, data={"email": "crash@example.com"})
    with django_capture_on_commit_callbacks(execute=False):
        invitation = accounts_invite_many(actor=alice, accounts=[account])[0][1]
    # A worker claimed it and its heartbeat is recent: another worker leaves it alone…
    recently = timezone.now() - timedelta(seconds=settings.WORKER_DEAD_AFTER - 5)
    Invitation.objects.filter(pk=invitation.pk).update(
        state="sending", attempts=1, claimed_at=recently, heartbeat_at=recently
    )
    send_invitation.enqueue(invitation_id=invitation.pk)
    run_tasks()
    assert smtp_server.messages == []
    # …until its heartbeat is WORKER_DEAD_AFTER old: its worker died. Then it is sent, once.
    Invitation.objects.filter(pk=invitation.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.WORKER_DEAD_AFTER + 1)
    )
    send_invitation.enqueue(invitation_id=invitation.pk)
    send_invitation.enqueue(invitation_id=invitation.pk)
    run_tasks()
    assert len(smtp_server.wait_for(1)) == 1
    invitation.refresh_from_db()
    assert invitation.state == "sent" and invitation.attempts == 2


def test_invitations_left_behind_by_a_crash_are_queued_again(
    alice, org_a, numbers_a, smtp_server, run_tasks
):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    accounts = [
        account_add(actor=alice, organization=org_a, data={"email": f"lost{i}@example.com"})
        for i in range(3)
    ]
    invitations = [
        inv for _a, inv, _r in accounts_invite_many(actor=alice, accounts=accounts)
    ]  # tasks lost
    long_ago = timezone.now() - timedelta(minutes=30)
    Invitation.objects.filter(pk=invitations[0].pk).update(created_at=long_ago)  # never picked up
    Invitation.objects.filter(pk=invitations[1].pk).update(
        state="sending", attempts=1, claimed_at=long_ago
    )
    # invitations[2] is recent: its task may still be on its way, so it is left alone.
    call_command("requeue_invitations", verbosity=0)
    run_tasks()
    messages = smtp_server.wait_for(2)
    assert sorted(str(m["To"]) for m in messages) == ["lost0@example.com", "lost1@example.com"]
    assert Invitation.objects.get(pk=invitations[2].pk).state == "queued"
