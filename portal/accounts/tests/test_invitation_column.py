"""The Accounts screen says how each invitation stands: sent, retrying, expired."""

from datetime import timedelta

from django.utils import timezone

from portal.accounts.services import account_add
from portal.invitations.models import Invitation


def test_it_shows_a_retrying_and_an_expired_invitation(alice, org_a, numbers_a, login):
    retrying = account_add(
        actor=alice,
        organization=org_a,
        invite=True,
        data={"email": "retry@example.com", "multiline_number": numbers_a[0]},
    )
    expired = account_add(
        actor=alice,
        organization=org_a,
        invite=True,
        data={"email": "late@example.com", "multiline_number": numbers_a[1]},
    )
    Invitation.objects.filter(account=retrying).update(attempts=2, last_error="Connection refused")
    Invitation.objects.filter(account=expired).update(
        state="sent",
        sent_at=timezone.now() - timedelta(days=8),
        expires_at=timezone.now() - timedelta(days=1),
    )
    page = login(alice).get("/accounts/").content.decode()
    retry_row = page[page.index("retry@example.com") :][:1500]
    late_row = page[page.index("late@example.com") :][:1500]
    assert "Retrying" in retry_row and "Connection refused" in retry_row
    assert "Expired" in late_row
    detail = login(alice).get(f"/accounts/{expired.pk}/").content.decode()
    assert "Expired" in detail
