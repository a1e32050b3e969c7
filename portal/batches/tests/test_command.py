"""`multiline import-accounts FILE --organization SLUG
--permission-group NAME [--invite] [--dry-run]`."""

import pytest
from django.core.management import CommandError, call_command

from portal.accounts.models import Account
from portal.batches.tests import files


def test_it_imports_a_file_in_process_with_a_progress_bar_and_a_summary(
    tmp_path, org_a, group_a, capsys
):
    path = tmp_path / "team.xlsx"
    path.write_bytes(
        files.xlsx(
            [
                files.row(email="a@example.com"),
                files.row(email="b@example.com"),
                files.row(email="broken"),
            ]
        )
    )
    report = tmp_path / "report.csv"
    call_command(
        "import_accounts",
        str(path),
        organization="org-a",
        permission_group=group_a.name,
        report=str(report),
    )
    out, err = capsys.readouterr()
    assert "100%  3/3 rows  2 imported, 1 failed" in err
    assert "completed: 3 rows, 2 imported, 0 existing, 1 failed" in out
    assert "row 4: email:" in out
    assert Account.objects.count() == 2
    assert "row,result,reason" in report.read_text(encoding="utf-8-sig").splitlines()[0]


def test_a_dry_run_writes_nothing(tmp_path, org_a):
    path = tmp_path / "team.csv"
    path.write_bytes(files.libreoffice_csv([files.row()]))
    call_command("import_accounts", str(path), organization="org-a", dry_run=True)
    assert Account.objects.count() == 0


@pytest.mark.parametrize(
    "args, message",
    [
        ({"organization": "nope"}, "There is no organization with the slug “nope”"),
        (
            {"organization": "org-a", "permission_group": "Gold"},
            "Org A has no permission group named “Gold”",
        ),
    ],
)
def test_it_says_what_is_wrong(tmp_path, org_a, args, message):
    path = tmp_path / "team.csv"
    path.write_bytes(files.libreoffice_csv([files.row()]))
    with pytest.raises(CommandError, match=message):
        call_command("import_accounts", str(path), **args)


def test_a_refused_file_is_a_clear_error(tmp_path, org_a):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="is empty"):
        call_command("import_accounts", str(path), organization="org-a")
