"""Delivery by SMS through an HTTP gateway (a real local HTTP server) and the file backend."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.accounts.services import account_add
from portal.invitations.tests.helpers import link_of, make_due, path_of
from portal.lib import sms

TOKEN = "gateway-secret-token"


class Gateway:
    """A local SMS gateway: checks the bearer token; answers
    `plan` status codes in turn, then 200."""

    def __init__(self, plan=(), echo=False):
        self.plan = list(plan)
        self.echo = echo  # refusals quote the message back, as some gateways do
        self.received = []
        self.refused_auth = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    gateway.refused_auth += 1
                    return self.answer(401, {"error": "bad token"})
                status = gateway.plan.pop(0) if gateway.plan else 200
                if status == 200:
                    gateway.received.append(json.loads(body))
                quoted = (
                    {"rejected": json.loads(body)["text"]} if gateway.echo and status != 200 else {}
                )
                self.answer(status, {"status": status, **quoted})

            def answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    def make(plan=(), echo=False):
        g = Gateway(plan, echo)
        settings.SMS_URL, settings.SMS_TOKEN = g.url, TOKEN
        return g

    return make


def invite_device(alice, org_a, device, capture):
    with capture(execute=True):
        return account_add(
            actor=alice,
            organization=org_a,
            data={"email": device, "firstname": "Luca"},
            invite=True,
        )


def test_it_texts_the_invitation_and_the_link_activates(
    alice, org_a, numbers_a, gateway, run_tasks, client, django_capture_on_commit_callbacks
):
    with gateway() as g:
        account = invite_device(alice, org_a, "+12025550123", django_capture_on_commit_callbacks)
        run_tasks()
    [message] = g.received
    assert message["to"] == "+12025550123"
    assert "Org A" in message["text"] and "code" in message["text"]
    link = link_of(message["text"])
    assert client.post(path_of(link), {"number": numbers_a[0]}).status_code == 200
    account.refresh_from_db()
    assert account.status == "active" and account.number.e164 == numbers_a[0]
    assert account.invitations.get().channel == "sms"


def test_a_gateway_error_is_retried_and_delivered_once(
    alice, org_a, numbers_a, gateway, run_tasks, django_capture_on_commit_callbacks
):
    with gateway(plan=[503]) as g:
        account = invite_device(alice, org_a, "+12025550124", django_capture_on_commit_callbacks)
        run_tasks()
        invitation = account.invitations.get()
        assert invitation.state == "queued" and "503" in invitation.last_error
        make_due()
        run_tasks()
        make_due()
        run_tasks()
    assert len(g.received) == 1
    invitation.refresh_from_db()
    assert invitation.state == "sent" and invitation.attempts == 2


def test_a_refused_message_fails_at_once(
    alice, org_a, numbers_a, gateway, run_tasks, django_capture_on_commit_callbacks
):
    with gateway(plan=[422]) as g:
        account = invite_device(alice, org_a, "+12025550125", django_capture_on_commit_callbacks)
        run_tasks()
    assert g.received == []
    account.refresh_from_db()
    assert account.status == "invitation_failed" and "422" in account.status_reason


def test_a_refusal_quoting_the_message_keeps_the_link_and_code_out_of_logs_and_screens(
    alice, org_a, numbers_a, gateway, run_tasks, django_capture_on_commit_callbacks, caplog
):
    from portal.invitations.tests.helpers import sent_invitation

    with gateway(plan=[422], echo=True), caplog.at_level("WARNING"):
        account = account_add(
            actor=alice, organization=org_a, data={"email": "+12025550126"}, invite=True
        )
        invitation, token, code = sent_invitation(account)
    assert invitation.state == "failed"
    assert "422" in invitation.last_error and "[redacted]" in invitation.last_error
    for text in (invitation.last_error, caplog.text):
        assert token not in text and code not in text


def test_the_gateway_gets_the_bearer_token(settings):
    with Gateway() as g:
        settings.SMS_URL, settings.SMS_TOKEN = g.url, "wrong"
        with pytest.raises(sms.SmsError) as error:
            sms.send_sms(to="+12025550126", text="hi")
    assert g.refused_auth == 1 and "401" in error.value.reason and not error.value.temporary


def test_an_unreachable_gateway_is_a_temporary_failure(settings):
    from portal.conftest import free_port

    settings.SMS_URL = f"http://127.0.0.1:{free_port()}/x"
    with pytest.raises(sms.SmsError) as error:
        sms.send_sms(to="+12025550127", text="hi")
    assert error.value.temporary


def test_the_file_backend_writes_each_message(settings, tmp_path):
    settings.SMS_URL = f"file://{tmp_path}"
    sms.send_sms(to="+12025550128", text="Hello")
    [path] = list(tmp_path.iterdir())
    assert "To: +12025550128" in path.read_text() and "Hello" in path.read_text()


def test_the_console_backend_prints(settings, capsys):
    settings.SMS_URL = "console://"
    sms.send_sms(to="+12025550129", text="Hello there")
    assert "SMS to +12025550129" in capsys.readouterr().out
