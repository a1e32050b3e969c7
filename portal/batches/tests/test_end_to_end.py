"""Import & Invite through a real SMTP server: one
invitation per good row, then the summary to the admin."""

from portal.batches.tests import files


def test_import_and_invite_delivers_one_invitation_per_good_row_and_notifies_the_designated_admin(
    smtp_server,
    api,
    alice,
    bob,
    org_a,
    group_a,
    numbers_a,
    run_tasks,
    django_capture_on_commit_callbacks,
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    org_a.report_recipients.add(bob)
    good = ["ann@example.com", "ben@example.com", "cat@example.com"]
    rows = [
        files.row(email=good[0], multiline_number=numbers_a[0]),
        files.row(email=good[1]),
        files.row(email="not-an-email"),
        files.row(email=good[2], language="Italian"),
    ]
    upload = SimpleUploadedFile(
        "team.csv", files.excel_unicode_text(rows), content_type="text/plain"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice).post(
            "/api/v1/batches",
            {
                "file": upload,
                "organization": "org-a",
                "permission_group": group_a.name,
                "invite": "true",
            },
        )
    assert response.status_code == 202, response.content
    for _ in range(
        3
    ):  # The batch, then the invitations and the notification it queued (after its commits).
        with django_capture_on_commit_callbacks(execute=True):
            run_tasks()
    smtp_server.wait_for(4)
    for address in good:
        assert len(smtp_server.to(address)) == 1, address
    assert smtp_server.to("not-an-email") == []
    [summary] = smtp_server.to("bob@example.com")
    assert "3 imported, 1 failed" in summary["Subject"]
    body = summary.get_body(preferencelist=("plain",)).get_content()
    assert f"/batches/{response.json()['id']}/report.csv" in body
    assert len(smtp_server.messages) == 4
