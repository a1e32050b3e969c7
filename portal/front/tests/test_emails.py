"""Every kind of email the portal sends (portal.lib.emails) arrives at a real SMTP server with a
subject, a plain-text part and an HTML part saying the same."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from portal.alerts import services as alerts
from portal.alerts.services import batch_notify
from portal.batches.models import Batch
from portal.lib import emails


def parts(message) -> tuple[str, str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return str(message["Subject"]), text, html


@pytest.mark.parametrize(
    "kind, context, says",
    [
        (
            "account_moved",
            {
                "actor": "alice",
                "count": 1,
                "accounts": ["ann"],
                "sources": ["Org A"],
                "destination": "Org B",
            },
            "alice moved 1 account from Org A to Org B.",
        ),
        ("invitation_threshold", {"short": 2}, "2 more numbers are needed"),
        (
            "number_utilisation",
            {"used": 9, "total": 10, "percent": 90, "limit": 80},
            "9 of the 10 numbers of Org A are assigned or registered (90%)",
        ),
    ],
)
def test_each_alert_arrives_with_subject_text_and_html(
    kind, context, says, alice, org_a, smtp_server
):
    setattr(org_a, alerts.TOGGLES[kind], True)
    org_a.save()
    assert alerts.alert_send(kind=kind, key=f"{kind}:t", organization_id=org_a.pk, context=context)
    subject, text, html = parts(smtp_server.wait_for(1)[0])
    assert subject.startswith("[MultiLine] ") and "Org " in subject
    assert says in text and says in html
    assert "/setup/" in text or "/alerts" in text


def test_the_batch_summary_arrives_with_subject_text_and_html(alice, org_a, group_a, smtp_server):
    batch = Batch.objects.create(
        organization=org_a,
        permission_group=group_a,
        created_by=alice,
        filename="may.csv",
        status="completed",
        total=2,
        processed=2,
        succeeded=2,
        finished_at=timezone.now(),
    )
    assert batch_notify(batch_id=batch.pk) == 1
    subject, text, html = parts(smtp_server.wait_for(1)[0])
    assert subject == f"Batch {batch.pk} completed: 2 imported, 0 failed (may.csv, Org A)"
    assert f"/batches/{batch.pk}/report.csv" in text and f"/batches/{batch.pk}/report.csv" in html
    assert "Imported:          2" in text


def test_the_password_reset_arrives_with_subject_text_and_html(alice, smtp_server):
    assert Client().post("/password/reset/", {"email": "alice@example.com"}).status_code == 302
    subject, text, html = parts(smtp_server.wait_for(1)[0])
    assert subject == "Reset your MultiLine Management Portal password"
    link = re.search(r"http://\S+/password/reset/\S+/", text).group(0)
    assert f'href="{link}"' in html
    assert "Hello alice," in text and "Hello alice," in html


def test_the_set_password_and_signin_code_arrive_with_subject_text_and_html(smtp_server):
    emails.set_password(
        to="gina@example.com",
        context={
            "name": "Gina",
            "username": "gina",
            "by": "alice",
            "link": "http://x/l/",
            "days": 3,
        },
    )
    emails.signin_code(to="gina@example.com", token="123456")
    first, second = smtp_server.wait_for(2)
    subject, text, html = parts(first)
    assert subject == "Your MultiLine Management Portal account"
    assert "alice made you an administrator" in text and "alice made you an administrator" in html
    assert "for 3 days" in text and 'href="http://x/l/"' in html
    subject, text, html = parts(second)
    assert subject == "Your MultiLine sign-in code"
    assert "sign-in code is 123456" in text and "<b>123456</b>" in html


def test_the_invitation_and_its_test_send_arrive_with_subject_text_and_html(
    alice, org_a, numbers_a, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    from portal.accounts.services import account_add
    from portal.invitations.services import deliver_test

    with django_capture_on_commit_callbacks(execute=True):
        account_add(
            actor=alice, organization=org_a, data={"email": "maria@example.com"}, invite=True
        )
    run_tasks()
    deliver_test(
        organization_id=org_a.pk,
        language="en",
        channel="email",
        subject="Welcome to {{organization_name}}",
        body="Hello,\n\n{{activation_link}}",
        to="alice@example.com",
    )
    invitation, test = smtp_server.wait_for(2)
    subject, text, html = parts(invitation)
    assert (
        subject == "Org A invites you to MultiLine"
        and "/activate/" in text
        and "/activate/" in html
    )
    assert invitation["Auto-Submitted"] == "auto-generated"
    subject, text, html = parts(test)
    assert subject.startswith("[Test] ") and "/activate/" in text and "/activate/" in html
