"""The Multiple Accounts tab, the progress, Batch Operation
Reports: who may do what, and what they see."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.accounts.models import Account
from portal.batches.models import Batch
from portal.batches.tests import files


def _file(data=None, name="accounts.csv"):
    data = files.excel_csv_utf8([files.row()]) if data is None else data
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def batch_a(upload):
    return upload(files.excel_csv_utf8([files.row(), files.row(email="bad")]))


def test_the_upload_page_is_the_multiple_accounts_tab(login, alice, org_a, group_a):
    page = login(alice).get("/batches/upload/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'href="/accounts/add/">Single Account</a>' in html and ">Multiple Accounts</a>" in html
    assert (
        "Choose Organization" in html
        and "User Permissions" in html
        and "Download the CSV template" in html
    )
    for button in ("Validate only", "Import</button>", "Import &amp; Invite"):
        assert button in html
    assert f'data-org="{org_a.pk}"' in html


def test_uploading_creates_a_batch_and_shows_its_progress(
    login, alice, org_a, group_a, django_capture_on_commit_callbacks, run_tasks
):
    client = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/batches/upload/",
            {
                "organization": org_a.pk,
                "permission_group": group_a.pk,
                "file": _file(),
                "mode": "invite",
            },
        )
    batch = Batch.objects.get()
    assert response.status_code == 302 and response.url == f"/batches/{batch.pk}/"
    assert batch.invite and not batch.dry_run and batch.status == "queued"
    page = client.get(response.url).content.decode()
    assert 'id="bar"' in page and "progress.json" in page
    run_tasks()
    progress = client.get(f"/batches/{batch.pk}/progress.json").json()
    assert progress | {"report_url": ""} == {
        "id": batch.pk,
        "status": "completed",
        "total": 1,
        "processed": 1,
        "succeeded": 1,
        "failed": 0,
        "existing": 0,
        "invited": 0,
        "percent": 100,
        "finished": True,
        "report_url": "",
    }
    page = client.get(f"/batches/{batch.pk}/").content.decode()
    assert "Download the Batch Operations Report" in page


def test_a_refused_file_is_shown_at_once_and_nothing_is_written(login, alice, org_a, group_a):
    response = login(alice).post(
        "/batches/upload/",
        {
            "organization": org_a.pk,
            "permission_group": group_a.pk,
            "mode": "import",
            "file": _file(b"email,social_messaging\r\na@example.com,No\r\n"),
        },
    )
    assert response.status_code == 400
    assert "nothing was written" in response.content.decode()
    assert "no “monitor_calls” and “monitor_sms” columns" in response.content.decode()
    assert Batch.objects.count() == 0 and Account.objects.count() == 0


def test_a_permission_group_of_another_organization_is_refused(login, alice, org_a, org_a_child):
    from portal.permissions.models import PermissionGroup

    other = PermissionGroup.objects.get(organization=org_a_child, is_default=True)
    response = login(alice).post(
        "/batches/upload/",
        {"organization": org_a.pk, "permission_group": other.pk, "mode": "import", "file": _file()},
    )
    assert response.status_code == 400 and "not of Org A" in response.content.decode()


def test_the_failed_rows_are_listed_with_row_column_and_reason(login, alice, batch_a):
    html = login(alice).get(f"/batches/{batch_a.pk}/").content.decode()
    assert '<td class="num">3</td><td><code>email</code></td>' in html


@pytest.mark.parametrize(
    "who, upload_page, template, listing, detail, report",
    [
        ("alice", 200, 200, 200, 200, 200),
        ("bob", 403, 403, 200, 200, 200),  # Reports, without Accounts Bulk Operations.
        (
            "charlie",
            200,
            404,
            200,
            404,
            404,
        ),  # Another organization: org A's batch does not exist for him.
    ],
)
def test_privileges_and_scope_of_the_pages(
    who, upload_page, template, listing, detail, report, request, login, batch_a
):
    client = login(request.getfixturevalue(who))
    assert client.get("/batches/upload/").status_code == upload_page
    assert client.get("/batches/template.csv?organization=org-a").status_code == template
    assert client.get("/batches/").status_code == listing
    assert client.get(f"/batches/{batch_a.pk}/").status_code == detail
    assert client.get(f"/batches/{batch_a.pk}/progress.json").status_code == detail
    assert client.get(f"/batches/{batch_a.pk}/report.csv").status_code == report


def test_the_reports_list_shows_only_batches_in_scope(login, alice, charlie, batch_a):
    assert (
        f'href="/batches/{batch_a.pk}/report.csv"' in login(alice).get("/batches/").content.decode()
    )
    assert "accounts.csv" not in login(charlie).get("/batches/").content.decode()


def test_charlie_cannot_upload_into_org_a(login, charlie, org_a, group_a):
    response = login(charlie).post(
        "/batches/upload/",
        {
            "organization": org_a.pk,
            "permission_group": group_a.pk,
            "mode": "import",
            "file": _file(),
        },
    )
    assert response.status_code == 400 and Batch.objects.count() == 0


def test_anonymous_visitors_are_sent_to_login(client, batch_a):
    for url in (
        "/batches/",
        "/batches/upload/",
        f"/batches/{batch_a.pk}/",
        f"/batches/{batch_a.pk}/report.csv",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.url


def test_the_portal_template_download(login, alice, org_a, group_a):
    response = login(alice).get(
        f"/batches/template.csv?organization=org-a&permission_group={group_a.name}"
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode("utf-8-sig").startswith(",".join(files.HEADER))


# ---------------------------------------------------------------- API


def test_api_upload_then_status_then_report(
    api, alice, org_a, group_a, django_capture_on_commit_callbacks, run_tasks
):
    client = api(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/batches",
            {
                "file": _file(files.excel_csv_utf8([files.row(), files.row(email="x")])),
                "organization": "org-a",
                "permission_group": group_a.name,
                "invite": "false",
                "dry_run": "false",
            },
        )
    assert response.status_code == 202, response.content
    batch_id = response.json()["id"]
    assert client.get(f"/api/v1/batches/{batch_id}").json()["status"] == "queued"
    run_tasks()
    body = client.get(f"/api/v1/batches/{batch_id}").json()
    assert {k: body[k] for k in ("status", "total", "processed", "succeeded", "failed")} == {
        "status": "completed",
        "total": 2,
        "processed": 2,
        "succeeded": 1,
        "failed": 1,
    }
    report = client.get(f"/api/v1/batches/{batch_id}/report.csv")
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert "row,result,reason,account_id,assigned_number,invitation" in text.splitlines()[0]


def test_api_refusal_is_a_400_naming_the_file_problem(api, alice, org_a):
    response = api(alice).post("/api/v1/batches", {"file": _file(b""), "organization": "org-a"})
    assert response.status_code == 400
    assert response.json()["fields"]["file"][0].endswith(
        "is empty. Fill in the CSV template and upload it again."
    )


@pytest.mark.parametrize(
    "who, post, get, template",
    [
        ("alice", 202, 200, 200),
        ("bob", 403, 200, 403),
        ("charlie", 404, 404, 404),
    ],
)
def test_api_privileges_and_scope(who, post, get, template, request, api, batch_a):
    client = api(request.getfixturevalue(who))
    assert (
        client.post("/api/v1/batches", {"file": _file(), "organization": "org-a"}).status_code
        == post
    )
    assert client.get(f"/api/v1/batches/{batch_a.pk}").status_code == get
    assert client.get(f"/api/v1/batches/{batch_a.pk}/report.csv").status_code == get
    assert client.get("/api/v1/organizations/org-a/csv-template").status_code == template


def test_api_csv_template(api, alice, org_a_child):
    response = api(alice).get("/api/v1/organizations/org-a-branch/csv-template")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(
        c for c in files.HEADER if c != "restrict_incoming_social_messaging"
    )
    assert lines[1].startswith('"Note:')
    assert (
        api(alice).get("/api/v1/organizations/org-a/csv-template?permission_group=nope").status_code
        == 400
    )


def test_api_without_a_token_is_401(client):
    assert client.post("/api/v1/batches").status_code == 401


def test_an_oversized_upload_is_refused_by_its_size(login, alice, org_a, group_a, settings):
    settings.BATCH_MAX_BYTES = 2048
    response = login(alice).post(
        "/batches/upload/",
        {
            "organization": org_a.pk,
            "permission_group": group_a.pk,
            "mode": "import",
            "file": _file(
                files.excel_csv_utf8([files.row(email=f"u{i}@example.com") for i in range(60)])
            ),
        },
    )
    assert response.status_code == 413
    assert "at most 2 KB can be uploaded at once" in response.content.decode()
