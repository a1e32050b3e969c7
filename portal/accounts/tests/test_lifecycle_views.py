"""The portal pages: Move (capacity per destination),
Suspend / Reactivate / Delete / Edit, job progress."""

from portal.accounts.lifecycle import MOVE_REFUSED
from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.jobs.models import BulkJob


def pending(org, n, prefix="p"):
    ids = [
        account_add(actor=None, organization=org, data={"email": f"{prefix}{i}@example.com"}).pk
        for i in range(n)
    ]
    Account.objects.filter(pk__in=ids).update(status=AccountStatus.INVITED)
    return ids


def test_the_accounts_screen_offers_the_lifecycle_buttons(operator, org_a, login):
    pending(org_a, 1)
    page = login(operator).get("/accounts/").content.decode()
    for label in ("Move…", "Edit…", "Suspend…", "Reactivate…", "Delete…"):
        assert label in page


def test_the_move_button_is_disabled_with_the_message_for_a_destination_short_of_numbers(
    operator, org_a, org_b, numbers_b, login
):
    ids = pending(org_a, 6)
    client = login(operator)
    page = client.post("/accounts/move/", {"ids": ids, "to": "org-b"}).content.decode()
    assert (
        f'title="{MOVE_REFUSED}">Move</button>' in page.replace("\n", "").replace("  ", "")
        or f'title="{MOVE_REFUSED}"' in page
    )
    assert (
        'id="move-button"' in page and "disabled" in page.split('id="move-button"')[1].split(">")[0]
    )
    response = client.post("/accounts/move/", {"ids": ids, "to": "org-b", "confirm": "1"})
    assert response.status_code == 409
    assert str(MOVE_REFUSED) in response.content.decode()
    assert Account.objects.filter(organization=org_b).count() == 0


def test_it_moves_the_selection_and_shows_each_result(operator, org_a, org_b, numbers_b, login):
    ids = pending(org_a, 5)
    client = login(operator)
    page = client.post("/accounts/move/", {"ids": ids, "to": "org-b"}).content.decode()
    assert "disabled" not in page.split('id="move-button"')[1].split(">")[0]
    response = client.post("/accounts/move/", {"ids": ids, "to": "org-b", "confirm": "1"})
    assert response.status_code == 303
    page = client.get(response["Location"]).content.decode()
    assert page.count("Done</span>") == 5
    assert Account.objects.filter(organization=org_b).count() == 5


def test_suspend_by_filter_asks_first_then_reports(alice, org_a, numbers_a, login):
    pending(org_a, 3)
    client = login(alice)
    page = client.post(
        "/accounts/suspend/",
        {"q": "", "status": "invited", "organization": "org-a", "scope": "filter"},
    ).content.decode()
    assert "All <b>3</b> accounts matching status Invited" in page
    assert '<input type="hidden" name="matching" value="3">' in page
    assert Account.objects.filter(status=AccountStatus.SUSPENDED).count() == 0
    response = client.post(
        "/accounts/suspend/",
        {
            "status": "invited",
            "organization": "org-a",
            "scope": "filter",
            "matching": "3",
            "confirm": "1",
            "reason": "Left the company",
        },
    )
    assert response.status_code == 303
    page = client.get(response["Location"]).content.decode()
    assert page.count("Done</span>") == 3
    assert set(Account.objects.values_list("status_reason", flat=True)) == {"Left the company"}


def test_bulk_needs_the_privilege_on_the_page_too(org_a, login):
    from portal.access.models import Privilege
    from portal.access.services import admin_create, role_save

    role = role_save(actor=None, name="No bulk", privileges=["accounts"])
    dave = admin_create(
        actor=None,
        username="dave",
        email="d@example.com",
        password="Correct-horse-9",
        role=role,
        organizations=[org_a],
    )
    ids = pending(org_a, 2)
    response = login(dave).post("/accounts/delete/", {"ids": ids})
    assert response.status_code == 403
    page = response.content.decode()
    assert "needs the Accounts Bulk Operations privilege" in page
    assert str(Privilege.ACCOUNTS_BULK.label) in page
    login(dave).post("/accounts/delete/", {"ids": ids, "confirm": "1"})
    assert Account.objects.count() == 2
    login(dave).post("/accounts/delete/", {"ids": ids[:1], "confirm": "1"})
    assert Account.objects.count() == 1


def test_edit_one_account_shows_errors_next_to_the_field(alice, org_a, numbers_a, login, group_a):
    account_add(actor=alice, organization=org_a, data={"email": "taken@example.com"})
    account = account_add(actor=alice, organization=org_a, data={"email": "me@example.com"})
    client = login(alice)
    assert client.get(f"/accounts/{account.pk}/edit/").status_code == 200
    response = client.post(
        f"/accounts/{account.pk}/edit/",
        {"email": "taken@example.com", "permission_group": group_a.pk},
    )
    assert response.status_code == 400
    assert "taken@example.com is already used by an account in Org A" in response.content.decode()
    response = client.post(
        f"/accounts/{account.pk}/edit/",
        {
            "email": "me@example.com",
            "first_name": "Mia",
            "multiline_number": numbers_a[0],
            "permission_group": group_a.pk,
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.first_name, account.number.e164) == ("Mia", numbers_a[0])


def test_charlie_cannot_reach_org_a_accounts(charlie, org_a, login):
    ids = pending(org_a, 1)
    assert login(charlie).post("/accounts/suspend/", {"ids": ids}).status_code == 404
    assert login(charlie).get(f"/accounts/{ids[0]}/edit/").status_code == 404


def test_a_big_selection_runs_as_a_job_with_a_progress_page(
    alice, org_a, group_a, login, run_tasks, django_capture_on_commit_callbacks
):
    Account.objects.bulk_create(
        [
            Account(organization=org_a, permission_group=group_a, email=f"j{i}@example.com")
            for i in range(210)
        ]
    )
    client = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/edit/",
            {
                "organization": "org-a",
                "scope": "filter",
                "confirm": "1",
                "matching": "210",
                "language": "fr",
            },
        )
    job = BulkJob.objects.get()
    assert response.status_code == 303 and response["Location"] == f"/accounts/jobs/{job.pk}/"
    assert client.get(f"/accounts/jobs/{job.pk}/progress.json").json()["processed"] == 0
    run_tasks()
    progress = client.get(f"/accounts/jobs/{job.pk}/progress.json").json()
    assert (progress["status"], progress["processed"], progress["done"], progress["percent"]) == (
        "completed",
        210,
        210,
        100,
    )
    page = client.get(f"/accounts/jobs/{job.pk}/").content.decode()
    assert page.count("Done</span>") == 210


def test_the_account_page_offers_edit_move_suspend_and_delete(alice, org_a, login):
    account = account_add(actor=alice, organization=org_a, data={"email": "page@example.com"})
    client = login(alice)
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    for element in ("edit-account", "move-account", "suspend-account", "delete-account"):
        assert f'id="{element}"' in page
    page = client.post("/accounts/suspend/", {"ids": account.pk}).content.decode()
    assert "The <b>1</b> selected account." in page
