"""No destructive default in the portal: nothing ticked acts on nothing; "All N matching" is an
explicit choice confirmed with N (typed, for Delete); every action answers a redirect to its
results, so reloading that page repeats nothing."""

from __future__ import annotations

import pytest

from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.conftest import add_numbers
from portal.invitations.models import Invitation
from portal.invitations.tests.helpers import link_of, path_of, text_part
from portal.jobs.models import BulkJob

ACTIONS = {
    "/accounts/move/": {"to": "org-a-branch"},
    "/accounts/suspend/": {},
    "/accounts/reactivate/": {},
    "/accounts/delete/": {},
    "/accounts/edit/": {"language": "it"},
    "/invitations/resend/": {},
}


def snapshot():
    return sorted(
        Account.objects.values_list("pk", "organization_id", "status", "language", "number_id")
    )


@pytest.fixture
def three(alice, org_a, org_a_child, numbers_a):
    add_numbers(org_a_child, ["+442079460001", "+442079460002", "+442079460003"])
    return [
        account_add(actor=alice, organization=org_a, data={"email": f"t{i}@example.com"}).pk
        for i in range(3)
    ]


def test_the_bulk_buttons_need_a_selection_and_offer_all_matching_explicitly(login, alice, three):
    page = login(alice).get("/accounts/?organization=org-a").content.decode()
    for button in (
        "resend-selected",
        "move-selected",
        "edit-selected",
        "suspend-selected",
        "reactivate-selected",
        "delete-selected",
    ):
        tag = page.split(f'id="{button}"')[1].split(">")[0]
        assert "data-needs-selection" in tag
    assert '<input type="checkbox" name="scope" value="filter" id="all-matching"' in page
    assert "All 3 matching" in page
    assert 'src="/static/accounts/bulk.js"' in page
    assert "<script>" not in page  # JavaScript only in static files


@pytest.mark.parametrize("path", ACTIONS)
def test_nothing_ticked_is_refused_with_a_message_and_does_nothing(login, alice, three, path):
    client = login(alice)
    before, invitations = snapshot(), Invitation.objects.count()
    body = {"q": "", "status": "", "organization": "org-a", "confirm": "1", **ACTIONS[path]}
    response = client.post(path, body)
    assert response.status_code == 303 and response["Location"] == "/accounts/?organization=org-a"
    page = client.get(response["Location"]).content.decode()
    assert "Select at least one account, or choose “All matching”, first." in page
    assert snapshot() == before and Invitation.objects.count() == invitations
    assert not BulkJob.objects.exists()


@pytest.mark.parametrize("path", ACTIONS)
def test_all_matching_shows_the_count_and_runs_only_with_that_count_confirmed(
    login, alice, three, path
):
    client = login(alice)
    before, invitations = snapshot(), Invitation.objects.count()
    choice = {"organization": "org-a", "scope": "filter", **ACTIONS[path]}
    page = client.post(path, choice)
    assert page.status_code == 200
    text = page.content.decode()
    assert "All <b>3</b> accounts matching organization org-a" in text
    assert '<input type="hidden" name="matching" value="3">' in text
    stale = client.post(path, {**choice, "confirm": "1", "matching": "2", "typed_count": "2"})
    assert stale.status_code == 400
    assert "changed since the page was shown: 3 now" in stale.content.decode()
    missing = client.post(path, {**choice, "confirm": "1"})
    assert missing.status_code == 400
    assert snapshot() == before and Invitation.objects.count() == invitations


def test_delete_all_matching_needs_the_count_typed(login, alice, three):
    client = login(alice)
    choice = {"organization": "org-a", "scope": "filter", "matching": "3", "confirm": "1"}
    page = client.post(
        "/accounts/delete/", {"organization": "org-a", "scope": "filter"}
    ).content.decode()
    assert 'id="typed-count"' in page and 'data-expected="3"' in page and "type <b>3</b>" in page
    for typed in ("", "2", "three"):
        refused = client.post("/accounts/delete/", {**choice, "typed_count": typed})
        assert refused.status_code == 400
        assert "Type 3, the number of accounts to delete, to confirm." in refused.content.decode()
    assert Account.objects.count() == 3
    done = client.post("/accounts/delete/", {**choice, "typed_count": " 3 "})
    assert done.status_code == 303
    assert Account.objects.count() == 0


def results_of(page: str) -> str:
    return page.split('id="results"')[1].split("</table>")[0]


@pytest.mark.parametrize("path", ACTIONS)
def test_a_confirmed_action_redirects_and_reloading_its_results_repeats_nothing(
    login, alice, three, path
):
    client = login(alice)
    if path == "/accounts/reactivate/":
        Account.objects.filter(pk__in=three[:2]).update(status=AccountStatus.SUSPENDED)
    body = {"ids": three[:2], "confirm": "1", **ACTIONS[path]}
    response = client.post(path, body)
    assert response.status_code == 303
    job = BulkJob.objects.get()
    assert response["Location"] == f"/accounts/jobs/{job.pk}/"
    after, invitations = snapshot(), Invitation.objects.count()
    first = results_of(client.get(response["Location"]).content.decode())
    again = results_of(client.get(response["Location"]).content.decode())
    assert first == again and first.count("Done</span>") == 2
    assert snapshot() == after and Invitation.objects.count() == invitations
    assert BulkJob.objects.count() == 1


def test_reloading_the_resend_results_sends_no_second_email_and_keeps_the_link_working(
    login, alice, three, smtp_server, run_tasks, django_capture_on_commit_callbacks, client
):
    admin = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/invitations/resend/", {"ids": three[:1]})
    assert response.status_code == 303
    run_tasks()
    [message] = smtp_server.wait_for(1)
    link = link_of(text_part(message))
    for _reload in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            page = admin.get(response["Location"])
        assert page.status_code == 200 and '<b id="done-count">1</b>' in page.content.decode()
    run_tasks()
    assert len(smtp_server.wait_for(2, timeout=1)) == 1
    assert Invitation.objects.filter(account_id=three[0]).count() == 1
    assert client.get(path_of(link)).status_code == 200
    shown = client.get(f"/api/v1/activation/{path_of(link).split('/')[2]}")
    assert shown.status_code == 200 and shown.json()["organization"] == "Org A"


def test_resend_to_all_matching_asks_first(login, alice, three):
    client = login(alice)
    page = client.post("/invitations/resend/", {"organization": "org-a", "scope": "filter"})
    assert page.status_code == 200 and "Resend to all 3 accounts" in page.content.decode()
    assert set(Account.objects.values_list("status", flat=True)) == {AccountStatus.NOT_INVITED}
    done = client.post(
        "/invitations/resend/",
        {"organization": "org-a", "scope": "filter", "matching": "3", "confirm": "1"},
    )
    assert done.status_code == 303
    assert set(Account.objects.values_list("status", flat=True)) == {AccountStatus.INVITED}


def test_the_results_page_is_only_for_the_admin_who_ran_it(login, alice, charlie, three):
    response = login(alice).post("/accounts/suspend/", {"ids": three[:1], "confirm": "1"})
    assert login(charlie).get(response["Location"]).status_code == 404
