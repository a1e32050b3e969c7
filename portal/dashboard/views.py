"""The Dashboard of one organization: accounts and numbers per status, onboarding capacity,
invitations about to expire, recent batches."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access.models import Privilege
from portal.access.scoping import get_object_for, has_privilege
from portal.accounts.models import Account, AccountStatus
from portal.accounts.selectors import onboarding_capacity
from portal.alerts.services import utilisation
from portal.batches.models import Batch
from portal.invitations.models import Invitation, InvitationState
from portal.lib.errors import Forbidden
from portal.numbers.models import Number, NumberStatus
from portal.numbers.services import counts_by_status
from portal.organizations.models import Organization

EXPIRING_WITHIN = timedelta(hours=48)
LIVE = (InvitationState.QUEUED, InvitationState.SENDING, InvitationState.SENT)


def summary(organization: Organization) -> dict:
    """What the dashboard shows, in a few grouped queries."""
    by_status = dict(
        Account.objects.filter(organization=organization)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    accounts = [(value, label, by_status.get(value, 0)) for value, label in AccountStatus.choices]
    numbers = counts_by_status(Number.objects.filter(organization=organization))
    now = timezone.now()
    expiring = list(
        Invitation.objects.filter(
            account__organization=organization,
            state__in=LIVE,
            expires_at__gt=now,
            expires_at__lte=now + EXPIRING_WITHIN,
        )
        .select_related("account")
        .order_by("expires_at")[:50]
    )
    percent = utilisation(organization)[2]
    return {
        "accounts": accounts,
        "accounts_total": sum(by_status.values()),
        "numbers": [(value, label, numbers[value]) for value, label in NumberStatus.choices],
        "numbers_total": numbers["total"],
        "capacity": (capacity := onboarding_capacity(organization)),
        "short": max(0, -capacity),
        "utilisation": percent,
        "expiring": expiring,
        "batches": list(
            Batch.objects.filter(organization=organization).select_related("created_by")[:10]
        ),
    }


def require_dashboard_privilege(user) -> None:
    """The Dashboard (portal and API) needs Accounts or Reports."""
    if not (has_privilege(user, Privilege.ACCOUNTS) or has_privilege(user, Privilege.REPORTS)):
        raise Forbidden(
            _("The Dashboard needs the Accounts or the Reports privilege in your role.")
        )


@login_required
def dashboard(request):
    require_dashboard_privilege(request.user)
    organizations = list(Organization.objects.visible_to(request.user).order_by("name"))
    slug = request.GET.get("organization")
    organization = (
        get_object_for(request.user, Organization.objects, slug=slug)
        if slug
        else (organizations[0] if organizations else None)
    )
    context = {"nav": "dashboard", "organizations": organizations, "organization": organization}
    if organization is not None:
        context.update(summary(organization))
    return render(request, "dashboard/dashboard.html", context)
