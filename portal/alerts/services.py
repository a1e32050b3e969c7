"""Alerts to an organization's admins: account moved,
invitation threshold, number utilisation, batch finished.

The apps below are not told to call these: they send `portal.lib.events` signals, which
`portal.alerts.receivers` hands to them.

Each alert is sent by a task after commit, recorded in the audit log, and at most once per event:
`AlertSent.key` is unique, so a task that runs twice (a retry, a second worker) sends nothing the
second time. Conditions that last (threshold, utilisation) alert once per episode; the episode is
closed when the condition clears.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from email_validator import EmailNotValidError, validate_email

from portal.accounts.selectors import onboarding_capacity
from portal.alerts.models import AlertKind, AlertSent
from portal.alerts.tasks import check_alerts, notify_batch_finished, send_alert
from portal.audit import services as audit
from portal.batches.models import Batch
from portal.lib import emails
from portal.lib.dberrors import unique_field, violated
from portal.lib.errors import DomainError
from portal.numbers.models import Number, NumberStatus
from portal.numbers.services import counts_by_status
from portal.organizations.models import Organization
from portal.organizations.services import organization_admins, organization_update

log = logging.getLogger(__name__)

TOGGLES = {
    AlertKind.ACCOUNT_MOVED: "alert_account_moved",
    AlertKind.INVITATION_THRESHOLD: "alert_invitation_threshold",
    AlertKind.NUMBER_UTILISATION: "alert_number_utilisation",
    AlertKind.BATCH_FINISHED: "alert_batch_finished",
}


# ---------------------------------------------------------------- who receives them


def recipients_for(organization: Organization) -> list[str]:
    """The designated admins (report recipients), else every
    admin of the organization, plus extras."""
    designated = list(
        organization.report_recipients.filter(is_active=True).values_list("email", flat=True)
    )
    people = designated or list(organization_admins(organization).values_list("email", flat=True))
    seen: dict[str, str] = {}
    for email in [*people, *organization.extra_alert_emails]:
        if email and email.lower() not in seen:
            seen[email.lower()] = email
    return list(seen.values())


def enabled(organization: Organization, kind: str) -> bool:
    return bool(getattr(organization, TOGGLES[kind]))


# ---------------------------------------------------------------- queueing (after commit)


def alert_queue(*, kind: str, key: str, organization: Organization, context: dict) -> None:
    """Send the alert from a task once the current
    transaction commits (nothing if it rolls back)."""
    if not enabled(organization, kind):
        return
    org_id = organization.pk
    transaction.on_commit(
        lambda: send_alert.enqueue(kind=str(kind), key=key, organization_id=org_id, context=context)
    )


def organization_changed(organization: Organization) -> None:
    """Call after a write that changes numbers or pending
    invitations: re-checks the lasting alerts."""
    org_id = organization.pk
    transaction.on_commit(lambda: check_alerts.enqueue(organization_id=org_id))


def account_moved(
    *,
    actor,
    move_id: str,
    sources: list[Organization],
    destination: Organization,
    accounts: list[str],
    count: int,
) -> None:
    """Alert the admins of every organization involved in one move (one alert per organization)."""
    context = {
        "actor": actor.get_username() if actor is not None else "system",
        "count": count,
        "accounts": accounts[:20],
        "sources": [o.name for o in sources],
        "destination": destination.name,
        "when": timezone.now().isoformat(),
    }
    involved = list({o.pk: o for o in [*sources, destination]}.values())
    for index, organization in enumerate(involved):
        # An admin of several of these organizations gets the alert once: each organization's
        # alert leaves out whoever an earlier organization's alert of the same move reaches.
        alert_queue(
            kind=AlertKind.ACCOUNT_MOVED,
            key=f"account_moved:{move_id}:{organization.pk}",
            organization=organization,
            context={**context, "reached_by": [o.pk for o in involved[:index]]},
        )


def _absolute(name: str, *args) -> str:
    try:
        return settings.PUBLIC_URL + reverse(name, args=args)
    except NoReverseMatch:
        return ""


# ---------------------------------------------------------------- lasting conditions


def utilisation(organization: Organization) -> tuple[int, int, int]:
    """(numbers in use, total numbers, percent in use) of `organization`'s inventory."""
    counts = counts_by_status(Number.objects.filter(organization=organization))
    used = counts[NumberStatus.ASSIGNED] + counts[NumberStatus.REGISTERED]
    total = counts["total"]
    return used, total, (100 * used // total) if total else 0


def check_organization(organization: Organization) -> list[str]:
    """Check the lasting conditions now; send what is due (at most once per episode). Keys sent."""
    sent = []
    capacity = onboarding_capacity(organization)
    key = _episode(organization, AlertKind.INVITATION_THRESHOLD, capacity < 0)
    if key and alert_send(
        kind=AlertKind.INVITATION_THRESHOLD,
        key=key,
        organization_id=organization.pk,
        context={"short": -capacity},
    ):
        sent.append(key)
    used, total, percent = utilisation(organization)
    over = bool(total) and percent > organization.number_utilisation_percent
    key = _episode(organization, AlertKind.NUMBER_UTILISATION, over)
    if key and alert_send(
        kind=AlertKind.NUMBER_UTILISATION,
        key=key,
        organization_id=organization.pk,
        context={
            "used": used,
            "total": total,
            "percent": percent,
            "limit": organization.number_utilisation_percent,
        },
    ):
        sent.append(key)
    return sent


def _episode(organization: Organization, kind: str, active: bool) -> str | None:
    """The key of the episode to alert, or None (not active, disabled, or alerted already)."""
    episodes = AlertSent.objects.filter(organization=organization, kind=kind)
    if not active:
        episodes.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        return None
    if not enabled(organization, kind) or episodes.filter(resolved_at__isnull=True).exists():
        return None
    return f"{kind}:{organization.pk}:{episodes.count() + 1}"


# ---------------------------------------------------------------- sending (in the task)


def render(kind: str, organization: Organization, context: dict) -> emails.Email:
    return emails.alert(
        kind,
        {
            **context,
            "organization": organization,
            "public_url": settings.PUBLIC_URL,
            "setup_url": _absolute("alerts:setup"),
        },
    )


@contextmanager
def sending_once(
    *, kind: str, key: str, organization: Organization, recipients: list[str], subject: str
):
    """Claim the event `key` before sending: yields the claim, or None when it was alerted already.

    The claim is committed first; if the sending inside fails, the claim is given back and the
    error raised, so a retry can send it. Every alert, and the batch summary, goes through here.
    """
    try:
        with transaction.atomic():
            claim = AlertSent.objects.create(
                key=key,
                kind=kind,
                organization=organization,
                recipients=recipients,
                subject=subject,
            )
    except IntegrityError as error:
        if violated(error, AlertSent) != unique_field(AlertSent, "key"):
            raise
        yield None  # Alerted already.
        return
    try:
        yield claim
    except BaseException:
        AlertSent.objects.filter(pk=claim.pk).delete()
        raise


def alert_send(*, kind: str, key: str, organization_id: int, context: dict) -> bool:
    """Send one alert unless its event was alerted already. True when this call sent it.

    The event is claimed first (unique key, committed), then mailed; a failed delivery gives the
    claim back and raises, so a retry can send it. A second run finds the claim and sends nothing.
    """
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None or not enabled(organization, kind):
        return False
    recipients = recipients_for(organization)
    if context.get("reached_by"):
        reached = {
            email.lower()
            for other in Organization.objects.filter(pk__in=context["reached_by"])
            if enabled(other, kind)
            for email in recipients_for(other)
        }
        recipients = [email for email in recipients if email.lower() not in reached]
        if not recipients:
            return False  # Everyone concerned has this event's alert from another organization.
    if not recipients:
        log.warning("Alert %s for %s has no recipient", key, organization)
        return False
    with translation.override(settings.LANGUAGE_CODE):  # The record's subject.
        subject = render(kind, organization, context).subject
    with sending_once(
        kind=kind, key=key, organization=organization, recipients=recipients, subject=subject
    ) as claim:
        if claim is None:
            return False
        # Each admin reads it in the language of their Preferences.
        emails.send_in_languages(lambda: render(kind, organization, context), recipients)
    with audit.via("task"):
        audit.record(
            actor=None,
            action="alert.sent",
            target=claim,
            organization=organization,
            data={"kind": kind, "key": key, "subject": subject, "recipients": recipients},
        )
    return True


# ---------------------------------------------------------------- the batch summary


def batch_finished(batch: Batch) -> None:
    """A batch finished: its summary is sent after commit (not for a dry run, nor when the
    organization turned the batch alert off)."""
    if batch.dry_run or not batch.organization.alert_batch_finished:
        return
    transaction.on_commit(lambda: notify_batch_finished.enqueue(batch_id=batch.pk))


def batch_notify(*, batch_id: int) -> int:
    """Email the summary and the report link to the organization's designated admins."""
    batch = Batch.objects.select_related("organization", "created_by", "permission_group").get(
        pk=batch_id
    )
    organization = batch.organization
    # The alerts' one rule, as Setup → Alerts says: the designated admins, else every admin.
    recipients = recipients_for(organization)
    if not recipients or not organization.alert_batch_finished:
        return 0
    context = {
        "batch": batch,
        "organization": organization,
        "report_url": settings.PUBLIC_URL + reverse("batches:report", args=[batch.pk]),
        "batch_url": settings.PUBLIC_URL + reverse("batches:detail", args=[batch.pk]),
    }
    with translation.override(settings.LANGUAGE_CODE):  # The record's subject.
        subject = emails.batch_summary(context).subject
    # Once per batch, like every alert: a retried or doubled task sends nothing the second time.
    with sending_once(
        kind=AlertKind.BATCH_FINISHED,
        key=f"batch_finished:{batch.pk}",
        organization=organization,
        recipients=recipients,
        subject=subject[:200],
    ) as claim:
        if claim is None:
            return 0
        emails.send_in_languages(lambda: emails.batch_summary(context), recipients)
    audit.record(
        actor=None,
        action="batch.notify",
        target=batch,
        organization=organization,
        batch_id=batch.pk,
        data={"recipients": recipients},
    )
    return len(recipients)


# ---------------------------------------------------------------- the Setup screen


def clean_emails(text: str) -> list[str]:
    """Extra recipients, one per line (or comma separated); each bad address is named."""
    good, bad = [], []
    for raw in text.replace(",", " ").split():
        try:
            good.append(validate_email(raw, check_deliverability=False).normalized)
        except EmailNotValidError:
            bad.append(raw)
    if bad:
        raise DomainError(
            _("Not an email address: %(addresses)s.") % {"addresses": ", ".join(bad)},
            fields={
                "alert_extra_recipients": [
                    _("“%(address)s” is not an email address") % {"address": b} for b in bad
                ]
            },
        )
    return good


def alert_settings_save(
    *,
    actor,
    organization: Organization,
    account_moved: bool,
    invitation_threshold: bool,
    number_utilisation: bool,
    utilisation_percent: int,
    batch_finished: bool,
    extra_recipients: str,
    report_recipients=None,
) -> Organization:
    if not 1 <= int(utilisation_percent) <= 100:
        raise DomainError(
            _("The utilisation percentage is between 1 and 100."),
            fields={"number_utilisation_percent": [_("between 1 and 100")]},
        )
    emails = clean_emails(extra_recipients or "")
    organization = organization_update(
        actor=actor,
        organization=organization,
        report_recipients=report_recipients,
        alert_account_moved=bool(account_moved),
        alert_invitation_threshold=bool(invitation_threshold),
        alert_number_utilisation=bool(number_utilisation),
        number_utilisation_percent=int(utilisation_percent),
        alert_batch_finished=bool(batch_finished),
        alert_extra_recipients="\n".join(emails),
    )
    organization_changed(organization)
    return organization


def recent(organization: Organization, limit: int = 20) -> list[AlertSent]:
    return list(AlertSent.objects.filter(organization=organization)[:limit])
