"""Resend Invitation: the service, the Accounts screen's buttons, and the API."""

from __future__ import annotations

from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.invitations.models import Invitation
from portal.invitations.services import invitations_resend


def add(actor, organization, email, **data):
    return account_add(actor=actor, organization=organization, data={"email": email, **data})


def test_it_resends_and_reports_per_account(alice, org_a, numbers_a):
    fresh = add(alice, org_a, "fresh@example.com")
    invited = account_add(
        actor=alice, organization=org_a, data={"email": "inv@example.com"}, invite=True
    )
    active = add(alice, org_a, "act@example.com")
    Account.objects.filter(pk=active.pk).update(status="active")
    suspended = add(alice, org_a, "sus@example.com")
    Account.objects.filter(pk=suspended.pk).update(status="suspended")
    results = invitations_resend(actor=alice, accounts=Account.objects.filter(organization=org_a))
    by_email = {r.account.email: r for r in results}
    assert by_email["fresh@example.com"].result == "done"
    assert by_email["inv@example.com"].result == "done"
    assert (
        by_email["act@example.com"].result == "skipped"
        and "Already active" in by_email["act@example.com"].reason
    )
    assert (
        by_email["sus@example.com"].result == "skipped"
        and "Suspended" in by_email["sus@example.com"].reason
    )
    # Its invitation was still on its way (queued, not sent yet): kept, not doubled.
    assert list(Invitation.objects.filter(account=invited).values_list("state", flat=True)) == [
        "queued"
    ]
    fresh.refresh_from_db()
    assert fresh.status == "invited"


def test_it_skips_accounts_when_the_organization_has_no_number_left(alice, org_a):
    from portal.conftest import add_numbers

    add_numbers(org_a, ["+12125550100"])
    one, two = add(alice, org_a, "one@example.com"), add(alice, org_a, "two@example.com")
    results = invitations_resend(actor=alice, accounts=[one, two])
    assert [r.result for r in results] == ["done", "skipped"]
    assert "Org A has no available number left" in results[1].reason


def test_the_email_domain_allow_list_refuses_other_domains(alice, org_a, numbers_a):
    import pytest

    from portal.lib.errors import DomainError

    org_a.allowed_email_domains = "bank.example\n@insurer.example"
    org_a.save()
    with pytest.raises(DomainError) as error:
        account_add(actor=alice, organization=org_a, data={"email": "x@gmail.com"}, invite=True)
    assert "only invites addresses at bank.example, insurer.example" in error.value.message
    assert error.value.fields == {"email": ["domain not allowed for invitations"]}
    assert not Account.objects.filter(email="x@gmail.com").exists()
    ok = account_add(
        actor=alice, organization=org_a, data={"email": "y@Insurer.example"}, invite=True
    )
    assert ok.status == "invited"
    saved = add(
        alice, org_a, "z@gmail.com"
    )  # Save without inviting is allowed; resend says why not.
    [result] = invitations_resend(actor=alice, accounts=[saved])
    assert result.result == "skipped" and "only invites addresses at" in result.reason


def test_the_accounts_screen_offers_resend(alice, login, org_a):
    page = login(alice).get("/accounts/")
    assert 'id="resend-selected"' in page.content.decode()


def test_resend_selected_from_the_accounts_screen(alice, login, org_a, numbers_a):
    a, b = add(alice, org_a, "a@example.com"), add(alice, org_a, "b@example.com")
    client = login(alice)
    answer = client.post("/invitations/resend/", {"ids": [a.pk]})
    assert answer.status_code == 303
    page = client.get(answer["Location"])
    text = page.content.decode()
    assert page.status_code == 200 and "a@example.com" in text and "b@example.com" not in text
    assert '<b id="done-count">1</b>' in text
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == "invited" and b.status == "not_invited"


def test_resend_everything_matching_the_filter(alice, login, org_a, numbers_a):
    a, b = add(alice, org_a, "match-one@example.com"), add(alice, org_a, "other@example.com")
    client = login(alice)
    page = client.post(
        "/invitations/resend/", {"scope": "filter", "q": "match", "status": "", "organization": ""}
    )
    assert (
        page.status_code == 200
        and "All <b>1</b> account matching search “match”" in page.content.decode()
    )
    a.refresh_from_db()
    assert a.status == "not_invited"  # Only shown and asked: nothing sent yet.
    answer = client.post(
        "/invitations/resend/", {"scope": "filter", "q": "match", "matching": "1", "confirm": "1"}
    )
    assert answer.status_code == 303
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == "invited" and b.status == "not_invited"


def test_resend_needs_a_selection(alice, login, org_a):
    page = login(alice).post("/invitations/resend/", {}, follow=True)
    assert "Select at least one account" in page.content.decode()


def test_resend_needs_the_accounts_privilege(bob, login, org_a):
    assert login(bob).post("/invitations/resend/", {"ids": [1]}).status_code == 403


def test_charlie_cannot_resend_alices_accounts(alice, charlie, login, api, org_a, org_b):
    a = add(alice, org_a, "a@example.com")
    assert login(charlie).post("/invitations/resend/", {"ids": [a.pk]}).status_code == 404
    a.refresh_from_db()
    assert a.status == "not_invited"
    answer = api(charlie).post(
        "/api/v1/accounts/resend-invitation", {"ids": [a.pk]}, content_type="application/json"
    )
    assert answer.status_code == 404


def test_the_api_resends_by_ids_and_by_filter(alice, api, org_a, numbers_a):
    a, b = add(alice, org_a, "a@example.com"), add(alice, org_a, "b@example.com")
    Account.objects.filter(pk=b.pk).update(status="active")
    client = api(alice)
    answer = client.post(
        "/api/v1/accounts/resend-invitation", {"ids": [a.pk, b.pk]}, content_type="application/json"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["done"] == 1 and body["skipped"] == 1
    results = {r["id"]: r for r in body["results"]}
    assert results[a.pk]["result"] == "done" and results[b.pk]["reason"].startswith(
        "Already active"
    )
    by_filter = client.post(
        "/api/v1/accounts/resend-invitation",
        {"filter": {"organization": "org-a", "status": "invited"}, "all_matching": True},
        content_type="application/json",
    )
    assert by_filter.status_code == 200 and [r["id"] for r in by_filter.json()["results"]] == [a.pk]
    empty = client.post("/api/v1/accounts/resend-invitation", {}, content_type="application/json")
    assert empty.status_code == 400 and "ids" in empty.json()["fields"]
    bad = client.post(
        "/api/v1/accounts/resend-invitation",
        {"filter": {"status": "nope"}, "all_matching": True},
        content_type="application/json",
    )
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["filter.status"]


def test_resend_one_account_from_its_page(alice, login, org_a, numbers_a):
    a = add(alice, org_a, "one@example.com")
    client = login(alice)
    page = client.get(f"/accounts/{a.pk}/").content.decode()
    assert 'id="resend-one"' in page and "Send Invitation" in page
    result = client.post(
        "/invitations/resend/", {"ids": [a.pk], "next": f"/accounts/{a.pk}/"}, follow=True
    )
    assert f'href="/accounts/{a.pk}/"' in result.content.decode()
    a.refresh_from_db()
    assert a.status == "invited"
    assert "Resend Invitation" in client.get(f"/accounts/{a.pk}/").content.decode()
