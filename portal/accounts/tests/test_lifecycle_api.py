"""POST /api/v1/accounts/move, suspend, reactivate, delete, edit; GET /api/v1/accounts/jobs/{id}."""

from portal.accounts.lifecycle import MOVE_REFUSED
from portal.accounts.models import Account, AccountStatus
from portal.accounts.services import account_add
from portal.numbers.models import Number


def pending(org, n, prefix="p"):
    ids = [
        account_add(actor=None, organization=org, data={"email": f"{prefix}{i}@example.com"}).pk
        for i in range(n)
    ]
    Account.objects.filter(pk__in=ids).update(status=AccountStatus.INVITED)
    return ids


def post(client, path, body):
    return client.post(f"/api/v1/accounts/{path}", body, content_type="application/json")


def test_it_answers_409_with_the_articles_message_and_moves_nothing(
    operator, org_a, org_b, numbers_b, api
):
    ids = pending(org_a, 6)
    response = post(api(operator), "move", {"ids": ids, "organization": "org-b"})
    assert response.status_code == 409
    assert response.json() == {
        "error": MOVE_REFUSED,
        "fields": {"organization": [MOVE_REFUSED]},
        "code": "not_enough_numbers",
    }
    assert Account.objects.filter(organization=org_b).count() == 0


def test_it_moves_with_exactly_enough_numbers_and_reports_each_account(
    operator, org_a, org_b, numbers_b, api
):
    ids = pending(org_a, 5)
    response = post(api(operator), "move", {"ids": ids, "organization": "org-b"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["done"], body["skipped"]) == (5, 0)
    assert {r["id"] for r in body["results"]} == set(ids)
    assert Account.objects.filter(organization=org_b).count() == 5


def test_it_moves_everything_matching_a_filter(operator, org_a, org_b, numbers_b, api):
    pending(org_a, 2)
    account_add(actor=None, organization=org_a, data={"email": "stay@example.com"})
    response = post(
        api(operator),
        "move",
        {
            "filter": {"organization": "org-a", "status": "invited"},
            "all_matching": True,
            "organization": "org-b",
        },
    )
    assert response.json()["done"] == 2
    assert Account.objects.get(email="stay@example.com").organization == org_a


def test_a_destination_outside_the_scope_is_404(alice, org_a, org_b, numbers_b, api):
    ids = pending(org_a, 1)
    response = post(api(alice), "move", {"ids": ids, "organization": "org-b"})
    assert response.status_code == 404


def test_accounts_outside_the_scope_are_404(charlie, org_a, org_b, numbers_b, api):
    ids = pending(org_a, 1)
    response = post(api(charlie), "suspend", {"ids": ids})
    assert response.status_code == 404
    assert Account.objects.get(pk=ids[0]).status == AccountStatus.INVITED


def test_bob_without_the_accounts_privilege_is_refused(bob, org_a, api):
    ids = pending(org_a, 1)
    assert post(api(bob), f"{ids[0]}/suspend", {}).status_code == 403


def test_suspend_reactivate_and_delete_one_account(alice, org_a, numbers_a, api):
    account = account_add(
        actor=alice,
        organization=org_a,
        data={"email": "one@example.com", "multiline_number": numbers_a[0]},
    )
    client = api(alice)
    body = post(client, f"{account.pk}/suspend", {}).json()
    assert body["results"] == [
        {
            "id": account.pk,
            "account": "one@example.com",
            "result": "done",
            "reason": f"Number {numbers_a[0]} released.",
        }
    ]
    assert Number.objects.get(e164=numbers_a[0]).status == "available"
    body = post(client, f"{account.pk}/reactivate", {}).json()
    assert body["done"] == 1
    body = post(client, f"{account.pk}/delete", {}).json()
    assert body["done"] == 1 and not Account.objects.filter(pk=account.pk).exists()


def test_edit_one_account_answers_the_account_or_the_field_errors(alice, org_a, numbers_a, api):
    account = account_add(actor=alice, organization=org_a, data={"email": "ed@example.com"})
    client = api(alice)
    response = post(
        client, f"{account.pk}/edit", {"first_name": "Edna", "multiline_number": numbers_a[2]}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["first_name"], response.json()["multiline_number"]) == (
        "Edna",
        numbers_a[2],
    )
    response = post(client, f"{account.pk}/edit", {"email": "not an email"})
    assert response.status_code == 400 and "email" in response.json()["fields"]


def test_bulk_edit_by_filter_with_per_account_results(alice, org_a, api):
    pending(org_a, 3)
    response = post(
        api(alice),
        "edit",
        {
            "filter": {"organization": "org-a"},
            "all_matching": True,
            "changes": {"language": "Italian"},
        },
    )
    assert response.status_code == 200
    assert response.json()["done"] == 3
    assert set(Account.objects.values_list("language", flat=True)) == {"it"}


def test_many_accounts_run_as_a_job_with_progress(
    alice, org_a, group_a, api, run_tasks, django_capture_on_commit_callbacks
):
    Account.objects.bulk_create(
        [
            Account(organization=org_a, permission_group=group_a, email=f"j{i}@example.com")
            for i in range(250)
        ]
    )
    client = api(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "delete", {"filter": {"q": "@example.com"}, "all_matching": True})
    assert response.status_code == 202
    job = response.json()
    assert (job["status"], job["total"], job["processed"]) == ("queued", 250, 0)
    run_tasks()
    job = client.get(f"/api/v1/accounts/jobs/{job['id']}").json()
    assert (job["status"], job["processed"], job["done"]) == ("completed", 250, 250)
    assert len(job["results"]) == 250
    assert Account.objects.count() == 0


def test_ids_and_filter_together_are_refused(alice, org_a, api):
    ids = pending(org_a, 1)
    response = post(api(alice), "suspend", {"ids": ids, "filter": {}})
    assert response.status_code == 400 and response.json()["fields"] == {"ids": ["not with filter"]}
