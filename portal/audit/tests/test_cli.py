"""The command line records who ran it: `multiline --as USERNAME`, else the OS user — never the
admin a command acts on, never "system". Run through `portal.cli.main`, the `multiline` entry
point."""

import getpass
import sys

import pytest

from portal.audit.models import AuditEvent
from portal.cli import main

pytestmark = pytest.mark.django_db

OS_USER = f"cli:{getpass.getuser()}"


@pytest.fixture
def multiline(monkeypatch, capsys):
    """multiline(*args) runs `multiline ARGS` in this process; returns (exit code, stdout, stderr).

    A command closes the database connections when it ends; inside the test's transaction that would
    close the test's own (PostgreSQL) connection, so that closing is skipped here."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args):
        monkeypatch.setattr(sys, "argv", ["multiline", *args])
        code = 0
        try:
            main()
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
            if isinstance(exit.code, str):
                print(exit.code, file=sys.stderr)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def numbers_file(tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_text("number\n+12125550190\n")
    return str(path)


def test_without_as_it_records_the_os_user(multiline, numbers_file, org_a):
    code, out, _err = multiline("import-numbers", numbers_file, "--organization", "org-a")
    assert code == 0 and "1 added to Org A" in out
    event = AuditEvent.objects.get(action="numbers.add")
    assert (event.actor_label, event.actor_id, event.via, event.organization) == (
        OS_USER,
        None,
        "cli",
        org_a,
    )


def test_with_as_it_records_that_admin_and_applies_its_privileges(
    multiline, numbers_file, operator, alice, org_a
):
    code, _out, _err = multiline(
        "--as", "operator", "import-numbers", numbers_file, "--organization", "org-a"
    )
    assert code == 0
    event = AuditEvent.objects.get(action="numbers.add")
    assert (event.actor_label, event.actor_id, event.via) == ("operator", operator.pk, "cli")

    # Numbers come from the operator: an organization admin cannot add them, from the CLI either.
    code, _out, err = multiline(
        "--as", "alice", "import-numbers", numbers_file, "--organization", "org-a"
    )
    assert code != 0 and "Only the operator adds numbers" in err
    assert AuditEvent.objects.filter(action="numbers.add").count() == 1


def test_as_must_name_an_existing_admin(multiline, numbers_file, org_a):
    code, _out, err = multiline(
        "--as", "mallory", "import-numbers", numbers_file, "--organization", "org-a"
    )
    assert code != 0 and "--as mallory: there is no admin with that username" in err
    assert not AuditEvent.objects.filter(action="numbers.add").exists()


def test_as_does_not_apply_to_serving_commands(multiline, alice):
    code, _out, err = multiline("--as", "alice", "worker", "--batch")
    assert code != 0 and "--as applies to commands that change data" in err


def test_issue_token_is_recorded_as_issued_by_whoever_ran_it(multiline, alice, operator, org_a):
    code, out, _err = multiline("issue-token", "alice")
    assert code == 0 and out.strip().startswith("ml_")
    event = AuditEvent.objects.get(action="api_token.issue")
    assert (event.actor_label, event.actor_id, event.via, event.organization) == (
        OS_USER,
        None,
        "cli",
        org_a,
    )
    assert event.data["user"] == "alice"

    multiline("--as", "operator", "issue-token", "alice")
    latest = AuditEvent.objects.filter(action="api_token.issue").latest("id")
    assert (latest.actor_label, latest.actor_id) == ("operator", operator.pk)


def test_import_accounts_as_an_admin_records_it_for_every_row(
    multiline, tmp_path, alice, bob, org_a, group_a
):
    path = tmp_path / "people.csv"
    path.write_text(
        "firstname,lastname,email,social_messaging,monitor_calls,monitor_sms\n"
        "Ada,Lovelace,ada@bank.example,No,off,off\nAlan,Turing,alan@bank.example,No,off,off\n"
    )
    code, out, _err = multiline(
        "--as", "alice", "import-accounts", str(path), "--organization", "org-a"
    )
    assert code == 0, out
    events = AuditEvent.objects.filter(
        action__in=["batch.upload", "account.create", "batch.finish"]
    )
    assert sorted({(e.action, e.actor_label, e.organization_id) for e in events}) == [
        ("account.create", "alice", org_a.pk),
        ("batch.finish", "alice", org_a.pk),
        ("batch.upload", "alice", org_a.pk),
    ]
    # bob lacks Accounts Bulk Operations: through the CLI too.
    code, _out, err = multiline(
        "--as", "bob", "import-accounts", str(path), "--organization", "org-a"
    )
    assert code != 0 and "Accounts Bulk Operations" in err


def test_import_accounts_without_as_records_the_os_user(multiline, tmp_path, org_a, group_a):
    path = tmp_path / "people.csv"
    path.write_text(
        "email,social_messaging,monitor_calls,monitor_sms\nada@bank.example,No,off,off\n"
    )
    report = tmp_path / "report.csv"
    code, _out, _err = multiline(
        "import-accounts", str(path), "--organization", "org-a", "--report", str(report)
    )
    assert code == 0
    labels = set(
        AuditEvent.objects.values_list("action", "actor_label").filter(
            action__in=["batch.upload", "account.create", "batch.finish", "export.batch_report"]
        )
    )
    assert labels == {
        ("batch.upload", OS_USER),
        ("account.create", OS_USER),
        ("batch.finish", OS_USER),
        ("export.batch_report", OS_USER),
    }
    assert not AuditEvent.objects.filter(actor_label="system", via__in=["cli", "batch"]).exists()
