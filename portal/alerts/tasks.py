"""Thin tasks: load by id, call the service. The services queue them, so these import the services
when they run (cycle: alerts.services <-> alerts.tasks)."""

from __future__ import annotations

from portal.lib.tasks import task
from portal.organizations.models import Organization


@task()
def send_alert(kind: str, key: str, organization_id: int, context: dict) -> bool:
    from portal.alerts.services import alert_send  # cycle: alerts.services <-> alerts.tasks

    return alert_send(kind=kind, key=key, organization_id=organization_id, context=context)


@task()
def check_alerts(organization_id: int) -> list[str]:
    from portal.alerts.services import check_organization  # cycle: alerts.services <-> alerts.tasks

    organization = Organization.objects.filter(pk=organization_id).first()
    return check_organization(organization) if organization else []


@task()
def notify_batch_finished(batch_id: int) -> None:
    from portal.alerts.services import batch_notify  # cycle: alerts.services <-> alerts.tasks

    batch_notify(batch_id=batch_id)
