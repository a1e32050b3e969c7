"""Writes that change numbers or pending invitations re-check the lasting alerts, from a task."""

from portal.accounts.services import account_add
from portal.numbers.models import Number
from portal.numbers.services import numbers_reserve


def test_reserving_the_last_number_of_a_pending_invitation_alerts_the_admins_once(
    alice, org_a, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    from portal.conftest import add_numbers

    add_numbers(org_a, ["+12125550199"])
    with django_capture_on_commit_callbacks(execute=True):
        account_add(
            actor=alice, organization=org_a, data={"email": "wait@example.com"}, invite=True
        )
    run_tasks()
    invitations = [m for m in smtp_server.wait_for(1) if "wait@example.com" in str(m["To"])]
    assert len(invitations) == 1
    assert len(smtp_server.messages) == 1  # Capacity 1 − 1 pending = 0: no alert yet.

    with django_capture_on_commit_callbacks(execute=True):
        numbers_reserve(actor=alice, numbers=Number.objects.filter(e164="+12125550199"))
    run_tasks()
    alerts = [m for m in smtp_server.wait_for(2) if "Threshold exceeded" in str(m["Subject"])]
    assert len(alerts) == 1
    assert "alice@example.com" in str(alerts[0]["To"])

    with django_capture_on_commit_callbacks(execute=True):
        numbers_reserve(
            actor=alice, numbers=Number.objects.filter(e164="+12125550199")
        )  # No change.
    run_tasks()
    assert (
        len([m for m in smtp_server.wait_for(3, timeout=0.5) if "Threshold" in str(m["Subject"])])
        == 1
    )
