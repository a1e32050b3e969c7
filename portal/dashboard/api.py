"""The Dashboard in the API: GET /api/v1/accounts/dashboard (the portal's is `views.dashboard`)."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from portal.access.scoping import get_object_for
from portal.dashboard.views import require_dashboard_privilege, summary
from portal.organizations.models import Organization

router = Router(tags=["accounts"])


class ExpiringOut(Schema):
    invitation: int
    account: int
    recipient: str
    expires_at: datetime


class BatchOut(Schema):
    id: int
    filename: str
    status: str
    total: int
    succeeded: int
    failed: int
    created_at: datetime


class DashboardOut(Schema):
    organization: str
    accounts: dict[str, int]
    numbers: dict[str, int]
    onboarding_capacity: int
    number_utilisation_percent: int
    invitations_expiring_within_48h: list[ExpiringOut]
    recent_batches: list[BatchOut]


@router.get(
    "/dashboard",
    response=DashboardOut,
    summary="The Dashboard of one organization: accounts and numbers per status, capacity, "
    "invitations about to expire, recent batches",
)
def dashboard(request, organization: str):
    require_dashboard_privilege(request.user)
    org = get_object_for(request.user, Organization.objects, slug=organization)
    data = summary(org)
    return {
        "organization": org.slug,
        "accounts": {value: n for value, _label, n in data["accounts"]},
        "numbers": {value: n for value, _label, n in data["numbers"]},
        "onboarding_capacity": data["capacity"],
        "number_utilisation_percent": data["utilisation"],
        "invitations_expiring_within_48h": [
            {
                "invitation": i.pk,
                "account": i.account_id,
                "recipient": i.recipient,
                "expires_at": i.expires_at,
            }
            for i in data["expiring"]
        ],
        "recent_batches": [
            {
                "id": b.pk,
                "filename": b.filename,
                "status": b.status,
                "total": b.total,
                "succeeded": b.succeeded,
                "failed": b.failed,
                "created_at": b.created_at,
            }
            for b in data["batches"]
        ],
    }
