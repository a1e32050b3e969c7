"""Alerts: sent by a task to a real SMTP server, recorded in
the audit log, never twice for one event."""

import pytest
from django.utils import timezone

from portal.accounts.lifecycle import accounts_move
from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.alerts import services
from portal.alerts.models import AlertSent
from portal.alerts.tasks import send_alert
from portal.audit.models import AuditEvent
from portal.batches.models import Batch
from portal.conftest import add_numbers
from portal.lib.mail import DeliveryError
from portal.numbers.models import Number, NumberStatus


def invited(org, n, prefix="p"):
    ids = [
        account_add(actor=None, organization=org, data={"email": f"{prefix}{i}@example.com"}).pk
        for i in range(n)
    ]
    Account.objects.filter(pk__in=ids).update(status=AccountStatus.INVITED)
    return ids


def test_a_move_alerts_the_admins_of_both_organizations_once(
    operator,
    alice,
    charlie,
    org_a,
    org_b,
    numbers_b,
    smtp_server,
    run_tasks,
    django_capture_on_commit_callbacks,
):
    org_a.alert_extra_recipients = "security@example.com"
    org_a.save()
    ids = invited(org_a, 2)
    with django_capture_on_commit_callbacks(execute=True):
        accounts_move(actor=operator, accounts=ids, destination=org_b)
    run_tasks()
    smtp_server.wait_for(3)
    assert len(smtp_server.to("alice@example.com")) == 1
    assert len(smtp_server.to("charlie@example.com")) == 1
    assert len(smtp_server.to("security@example.com")) == 1
    message = smtp_server.to("charlie@example.com")[0]
    assert message["Subject"] == "[MultiLine] 2 accounts moved to Org B"
    assert (
        "operator moved 2 accounts from Org A to Org B"
        in message.get_body(("plain",)).get_content()
    )
    assert AuditEvent.objects.filter(action="alert.sent").count() == 2  # one per organization
    # The same events again (a retried task, a second worker): nothing more is sent.
    for alert in AlertSent.objects.all():
        send_alert.enqueue(
            kind=alert.kind,
            key=alert.key,
            organization_id=alert.organization_id,
            context={
                "actor": "operator",
                "count": 2,
                "accounts": [],
                "sources": ["Org A"],
                "destination": "Org B",
            },
        )
    run_tasks()
    assert len(smtp_server.wait_for(4, timeout=1)) == 3


def test_running_the_task_twice_sends_one_email(alice, org_a, smtp_server, run_tasks):
    kwargs = {
        "kind": "invitation_threshold",
        "key": "invitation_threshold:test:1",
        "organization_id": org_a.pk,
        "context": {"short": 2},
    }
    send_alert.enqueue(**kwargs)
    send_alert.enqueue(**kwargs)
    run_tasks()
    assert len(smtp_server.wait_for(2, timeout=1)) == 1
    assert (
        smtp_server.messages[0]["Subject"]
        == "[MultiLine] Threshold exceeded for invitations in Org A"
    )
    assert AlertSent.objects.count() == 1


def test_threshold_for_invitations_alerts_once_per_episode(alice, org_a, smtp_server):
    add_numbers(org_a, ["+12125550300"])
    invited(org_a, 2)  # 1 available − 2 waiting: one number short
    assert services.check_organization(org_a) == [f"invitation_threshold:{org_a.pk}:1"]
    assert services.check_organization(org_a) == []
    assert (
        "1 more number is needed" in smtp_server.wait_for(1)[0].get_body(("plain",)).get_content()
    )
    add_numbers(org_a, ["+12125550301", "+12125550302"])  # back under the threshold
    assert services.check_organization(org_a) == []
    invited(org_a, 2, prefix="q")  # short again: a new episode, a new alert
    assert services.check_organization(org_a) == [f"invitation_threshold:{org_a.pk}:2"]
    assert len(smtp_server.wait_for(2)) == 2


def test_number_utilisation_above_the_level(alice, org_a, smtp_server):
    org_a.alert_number_utilisation, org_a.number_utilisation_percent = True, 50
    org_a.save()
    add_numbers(org_a, [f"+1212555040{i}" for i in range(4)])
    Number.objects.filter(e164__in=["+12125550400", "+12125550401"]).update(
        status=NumberStatus.ASSIGNED
    )
    assert services.check_organization(org_a) == []  # 50 % is not above 50 %
    Number.objects.filter(e164="+12125550402").update(status=NumberStatus.REGISTERED)
    assert services.check_organization(org_a) == [f"number_utilisation:{org_a.pk}:1"]
    message = smtp_server.wait_for(1)[0]
    assert message["Subject"] == "[MultiLine] 75% of the numbers of Org A are in use"


def test_a_disabled_alert_is_not_sent(alice, org_a, smtp_server):
    org_a.alert_invitation_threshold = False
    org_a.save()
    invited(org_a, 1)
    assert services.check_organization(org_a) == []
    assert smtp_server.wait_for(1, timeout=0.3) == []


def test_a_finished_batch_is_summarised_to_the_designated_admins_once(
    alice, bob, org_a, group_a, smtp_server
):
    from portal.alerts.services import batch_notify

    org_a.report_recipients.set([bob])
    batch = Batch.objects.create(
        organization=org_a,
        permission_group=group_a,
        created_by=alice,
        filename="march.csv",
        status="completed",
        total=10,
        processed=10,
        succeeded=9,
        failed=1,
        finished_at=timezone.now(),
    )
    assert batch_notify(batch_id=batch.pk) == 1
    assert batch_notify(batch_id=batch.pk) == 0  # A retried task sends nothing more.
    messages = smtp_server.wait_for(2, timeout=1)
    assert len(messages) == 1
    assert messages[0]["To"] == "bob@example.com"
    assert "march.csv" in str(messages[0]["Subject"])
    assert AlertSent.objects.get().key == f"batch_finished:{batch.pk}"
    assert AuditEvent.objects.get(action="batch.notify").data["recipients"] == ["bob@example.com"]


def test_a_dead_mail_server_leaves_the_alert_to_send_again(alice, org_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1
    with pytest.raises(DeliveryError, match="unreachable") as failed:
        services.alert_send(
            kind="invitation_threshold", key="k:1", organization_id=org_a.pk, context={"short": 1}
        )
    assert failed.value.temporary
    assert not AlertSent.objects.exists()


# ---------------------------------------------------------------- the Setup screen


def test_setup_saves_the_alerts_and_names_a_bad_address(alice, bob, org_a, login):
    client = login(alice)
    page = client.get("/alerts/setup/").content.decode()
    assert "Threshold exceeded for invitations" in page and "bob@example.com" in page
    response = client.post(
        "/alerts/setup/",
        {
            "organization": "org-a",
            "account_moved": "on",
            "utilisation_percent": "80",
            "extra_recipients": "ops@example.com\nnope",
        },
    )
    assert response.status_code == 400
    assert "“nope” is not an email address" in response.content.decode()
    response = client.post(
        "/alerts/setup/",
        {
            "organization": "org-a",
            "number_utilisation": "on",
            "utilisation_percent": "80",
            "report_recipients": [str(bob.pk)],
            "extra_recipients": "ops@example.com",
        },
    )
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert (
        org_a.alert_account_moved,
        org_a.alert_number_utilisation,
        org_a.number_utilisation_percent,
    ) == (False, True, 80)
    assert org_a.extra_alert_emails == ["ops@example.com"]
    assert list(org_a.report_recipients.all()) == [bob]
    assert services.recipients_for(org_a) == ["bob@example.com", "ops@example.com"]
    assert AuditEvent.objects.filter(action="organization.update").exists()


def test_setup_of_another_organization_is_404(charlie, org_a, login):
    assert login(charlie).get("/alerts/setup/?organization=org-a").status_code == 404


def test_the_check_command_alerts_each_episode_once(alice, org_a, smtp_server):
    from io import StringIO

    from django.core.management import call_command

    invited(org_a, 1)
    out = StringIO()
    call_command("check_alerts", stdout=out)
    call_command("check_alerts", stdout=out)
    assert out.getvalue().count("sent invitation_threshold") == 1
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1


def test_a_move_inside_one_admins_scope_alerts_that_admin_once(
    operator, alice, org_a, org_a_child, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    """alice administers Org A and its sub-organization: a move between them is one email to her."""
    add_numbers(org_a_child, ["+447911123401", "+447911123402"])
    ids = invited(org_a, 2)
    with django_capture_on_commit_callbacks(execute=True):
        accounts_move(actor=operator, accounts=ids, destination=org_a_child)
    run_tasks()
    assert len(smtp_server.wait_for(2, timeout=1.5)) == 1
    assert len(smtp_server.to("alice@example.com")) == 1


def test_with_no_admin_designated_the_batch_summary_goes_to_every_admin(
    alice, bob, org_a, group_a, smtp_server
):
    """Setup → Alerts: "with none chosen, every admin of the organization does"."""
    from portal.alerts.services import batch_notify

    batch = Batch.objects.create(
        organization=org_a,
        permission_group=group_a,
        created_by=alice,
        filename="april.csv",
        status="completed",
        total=3,
        processed=3,
        succeeded=3,
        finished_at=timezone.now(),
    )
    assert batch_notify(batch_id=batch.pk) == 2
    smtp_server.wait_for(1)
    assert len(smtp_server.to("alice@example.com")) == 1
    assert len(smtp_server.to("bob@example.com")) == 1
    assert "april.csv" in str(smtp_server.messages[0]["Subject"])
