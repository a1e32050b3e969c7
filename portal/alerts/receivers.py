"""What the apps below tell the alerts (`portal.lib.events`), connected in `AlertsConfig.ready`.
Each alert is queued after commit (`services.alert_queue`, `services.batch_finished`)."""

from __future__ import annotations

from portal.alerts import services
from portal.lib import events


def organization_changed(sender, *, organization, **kwargs) -> None:
    services.organization_changed(organization)


def accounts_moved(sender, *, actor, move_id, sources, destination, accounts, count, **kwargs):
    services.account_moved(
        actor=actor,
        move_id=move_id,
        sources=sources,
        destination=destination,
        accounts=accounts,
        count=count,
    )


def batch_finished(sender, *, batch, **kwargs) -> None:
    services.batch_finished(batch)


def connect() -> None:
    events.organization_changed.connect(organization_changed, dispatch_uid="alerts")
    events.accounts_moved.connect(accounts_moved, dispatch_uid="alerts")
    events.batch_finished.connect(batch_finished, dispatch_uid="alerts")
