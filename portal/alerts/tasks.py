from __future__ import annotations

from portal.lib.tasks import task


@task()
def send_alert(kind: str, key: str, organization_id: int, context: dict) -> bool:
    from portal.alerts.services import alert_send

    return alert_send(kind=kind, key=key, organization_id=organization_id, context=context)


@task()
def check_alerts(organization_id: int) -> list[str]:
    from portal.alerts.services import check_organization
    from portal.organizations.models import Organization

    organization = Organization.objects.filter(pk=organization_id).first()
    return check_organization(organization) if organization else []
