"""The Dashboard of an organization."""

from datetime import timedelta

from django.utils import timezone

from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.batches.models import Batch
from portal.invitations.models import Invitation


def test_it_shows_accounts_numbers_capacity_expiring_invitations_and_batches(
    alice, org_a, numbers_a, group_a, login
):
    soon = account_add(
        actor=alice,
        organization=org_a,
        data={"email": "soon@example.com", "first_name": "Soon"},
        invite=True,
    )
    later = account_add(
        actor=alice,
        organization=org_a,
        data={"email": "later@example.com", "first_name": "Later"},
        invite=True,
    )
    account_add(actor=alice, organization=org_a, data={"email": "saved@example.com"})
    Invitation.objects.filter(account=soon).update(expires_at=timezone.now() + timedelta(hours=20))
    Invitation.objects.filter(account=later).update(expires_at=timezone.now() + timedelta(hours=72))
    Batch.objects.create(
        organization=org_a,
        permission_group=group_a,
        filename="april.csv",
        status="completed",
        total=3,
        succeeded=3,
    )
    response = login(alice).get("/dashboard/")
    assert response.status_code == 200
    context = response.context
    assert {v: n for v, _label, n in context["accounts"]}["invited"] == 2
    assert {v: n for v, _label, n in context["numbers"]}["available"] == 5
    assert context["capacity"] == 3  # 5 available − 2 invited without a number
    assert [i.account.first_name for i in context["expiring"]] == ["Soon"]
    page = response.content.decode()
    assert "Soon" in page and "Later" not in page
    assert "april.csv" in page and "Onboarding capacity" in page


def test_it_shows_when_pending_invitations_need_more_numbers(alice, org_a, login):
    ids = [
        account_add(actor=alice, organization=org_a, data={"email": f"w{i}@example.com"}).pk
        for i in range(2)
    ]
    Account.objects.filter(pk__in=ids).update(status=AccountStatus.INVITED)
    page = login(alice).get("/dashboard/?organization=org-a").content.decode()
    assert "Pending invitations need 2 more numbers than are available." in page


def test_another_organizations_dashboard_is_404(charlie, org_a, login):
    assert login(charlie).get("/dashboard/?organization=org-a").status_code == 404


def test_the_menu_links_to_the_dashboard_and_setup_has_the_alerts_tab(alice, login):
    client = login(alice)
    page = client.get("/dashboard/").content.decode()
    assert 'href="/dashboard/"' in page and 'href="/invitations/"' in page
    setup = client.get("/invitations/").content.decode()
    assert 'href="/alerts/setup/"' in setup and ">Alerts</a>" in setup


def test_the_api_answers_the_same_dashboard(alice, charlie, org_a, numbers_a, api):
    ids = [
        account_add(actor=alice, organization=org_a, data={"email": f"w{i}@example.com"}).pk
        for i in range(2)
    ]
    Account.objects.filter(pk__in=ids).update(status=AccountStatus.INVITED)
    body = api(alice).get("/api/v1/accounts/dashboard?organization=org-a").json()
    assert body["accounts"]["invited"] == 2 and body["numbers"]["available"] == 5
    assert body["onboarding_capacity"] == 3
    assert api(charlie).get("/api/v1/accounts/dashboard?organization=org-a").status_code == 404
