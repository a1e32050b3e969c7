"""One CSV per rule of the article's table: the row's number, column and reason are reported."""

import pytest

from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.batches.tests import files
from portal.batches.tests.conftest import results

R = files.row
# id: (organization fixture, rows, {row number: (column, reason fragment)})
CASES = {
    "email mandatory": ("org_a", [R(email="")], {2: ("email", "is mandatory")}),
    "email invalid": (
        "org_a",
        [R(email="ada(at)example.com")],
        {2: ("email", "is not a valid email address")},
    ),
    "device number invalid": ("org_a", [R(email="+99 123")], {2: ("email", "the device number")}),
    "smtp offload needs an email": (
        "org_b",
        [R(email="+4930123456")],
        {2: ("email", "uses SMTP data offload")},
    ),
    "social_messaging mandatory": (
        "org_a",
        [R(social_messaging="")],
        {2: ("social_messaging", "is mandatory")},
    ),
    "social_messaging Yes/No": (
        "org_a",
        [R(social_messaging="Maybe")],
        {2: ("social_messaging", "is not one of Yes / No")},
    ),
    "social messaging not enabled": (
        "org_a_child",
        [R(social_messaging="Yes")],
        {2: ("social_messaging", "social messaging is not enabled for Org A Branch")},
    ),
    "monitor_calls mandatory": (
        "org_a",
        [R(monitor_calls="")],
        {2: ("monitor_calls", "is mandatory")},
    ),
    "monitor_calls auto/off": (
        "org_a",
        [R(monitor_calls="on")],
        {2: ("monitor_calls", "is not one of auto / off")},
    ),
    "call recording not enabled": (
        "org_a_child",
        [R(monitor_calls="auto")],
        {2: ("monitor_calls", "call recording is not enabled")},
    ),
    "monitor_sms mandatory": ("org_a", [R(monitor_sms="")], {2: ("monitor_sms", "is mandatory")}),
    "monitor_sms on/off": (
        "org_a",
        [R(monitor_sms="auto")],
        {2: ("monitor_sms", "is not one of on / off")},
    ),
    "SMS recording not enabled": (
        "org_a_child",
        [R(monitor_sms="on")],
        {2: ("monitor_sms", "SMS recording is not enabled")},
    ),
    "forwarding too short": (
        "org_a",
        [R(forwarding_number="+123")],
        {2: ("forwarding_number", "it must have 4 to 18")},
    ),
    "forwarding too long": (
        "org_a",
        [R(forwarding_number="1" * 19)],
        {2: ("forwarding_number", "has 19 digits")},
    ),
    "forwarding not digits": (
        "org_a",
        [R(forwarding_number="call me")],
        {2: ("forwarding_number", "must be digits only")},
    ),
    "restrict true/false": (
        "org_a",
        [R(social_messaging="Yes", restrict_incoming_social_messaging="sometimes")],
        {2: ("restrict_incoming_social_messaging", "is not one of true / false")},
    ),
    "restrict only with social Yes": (
        "org_a",
        [R(social_messaging="No", restrict_incoming_social_messaging="true")],
        {2: ("restrict_incoming_social_messaging", "applies only when social_messaging is Yes")},
    ),
    "restrict only with social messaging org": (
        "org_a_child",
        [R(restrict_incoming_social_messaging="false")],
        {2: ("restrict_incoming_social_messaging", "only for organizations with social messaging")},
    ),
    "language of five": (
        "org_a",
        [R(language="Klingon")],
        {2: ("language", "is not one of English, Italian, German, French, Spanish")},
    ),
    "number invalid": (
        "org_a",
        [R(multiline_number="+1 555")],
        {2: ("multiline_number", "is not a valid phone number")},
    ),
    "number not in inventory": (
        "org_a",
        [R(multiline_number="+12125550188")],
        {2: ("multiline_number", "This number is not available.")},
    ),
    "number of another organization": (
        "org_a",
        [R(multiline_number="+49301234560")],
        {2: ("multiline_number", "This number is not available.")},
    ),
    "duplicate email in the file": (
        "org_a",
        [R(), R(email="ADA@example.com")],
        {3: ("email", "is also in row 2 of this upload")},
    ),
    "duplicate number in the file": (
        "org_a",
        [
            R(multiline_number="+12125550100"),
            R(email="b@example.com", multiline_number="12125550100"),
        ],
        {3: ("multiline_number", "is also in row 2 of this upload")},
    ),
    "email of an account of another organization": (
        "org_a",
        [R(email="taken@example.com")],
        {2: ("email", "This email address is not available.")},
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_each_rule_fails_its_row_with_row_column_and_reason(
    case, request, upload, numbers_a, numbers_b, charlie
):
    fixture, rows, expected = CASES[case]
    organization = request.getfixturevalue(fixture)
    account_add(
        actor=charlie,
        organization=request.getfixturevalue("org_b"),
        data={"email": "taken@example.com"},
    )
    before = Account.objects.count()
    batch = upload(files.excel_csv_utf8(rows), organization=organization)
    verdicts = results(batch)
    for row, (column, fragment) in expected.items():
        assert verdicts[row].result == "failed"
        assert any(fragment in reason for reason in verdicts[row].problems.get(column, [])), (
            verdicts[row].problems
        )
        assert fragment in verdicts[row].reason
    imported = [r for r in verdicts.values() if r.result == "imported"]
    assert Account.objects.count() == before + len(imported)


def test_every_problem_of_a_row_is_reported(upload):
    batch = upload(
        files.excel_csv_utf8(
            [
                R(
                    email="nope",
                    social_messaging="perhaps",
                    monitor_calls="",
                    monitor_sms="x",
                    language="Latin",
                )
            ]
        )
    )
    problems = batch.rows.get().problems
    assert set(problems) == {
        "email",
        "social_messaging",
        "monitor_calls",
        "monitor_sms",
        "language",
    }


def test_good_rows_are_not_held_hostage_by_bad_ones(upload, numbers_a):
    rows = [
        R(email=f"u{i}@example.com", multiline_number=numbers_a[i] if i < 3 else "")
        for i in range(6)
    ]
    rows[2]["monitor_calls"] = "never"
    batch = upload(files.excel_csv_semicolon_cp1252(rows))
    assert (batch.succeeded, batch.failed) == (5, 1)
    assert results(batch)[4].problems == {"monitor_calls": ["“never” is not one of auto / off"]}


def test_a_dry_run_reports_every_verdict_and_writes_nothing(upload, numbers_a):
    from portal.numbers.models import Number

    batch = upload(
        files.excel_csv_utf8([R(multiline_number=numbers_a[0]), R(email="bad")]), dry_run=True
    )
    assert (batch.status, batch.succeeded, batch.failed) == ("completed", 1, 1)
    assert [r.result for r in batch.rows.order_by("row")] == ["valid", "failed"]
    assert Account.objects.count() == 0
    assert Number.objects.get(e164=numbers_a[0]).status == "available"


def test_the_device_number_alias_imports_a_device_account(upload):
    data = b"device,social_messaging,monitor_calls,monitor_sms\r\n+49 30 1234567,No,off,off\r\n"
    batch = upload(data)
    assert batch.succeeded == 1
    assert Account.objects.get().device_number == "+49301234567"


def test_an_imported_account_is_stored_as_the_same_person_added_one_by_one(
    upload, alice, org_a, numbers_a
):
    """The batch builds its accounts by Django's positional constructor, the single add by the
    same builder: every stored field but the row's own (id, contact, number, batch, times) is
    the same for the same values, on either path."""
    values = {
        "firstname": "Jürgen",
        "lastname": "Müller",
        "social_messaging": "Yes",
        "monitor_calls": "auto",
        "monitor_sms": "on",
        "forwarding_number": "+44 7911 123456",
        "restrict_incoming_social_messaging": "Yes",
        "language": "German",
    }
    batch = upload(
        files.excel_csv_utf8(
            [R(email="jurgen.import@example.com", multiline_number=numbers_a[0], **values)]
        )
    )
    assert batch.succeeded == 1
    added = account_add(
        actor=alice,
        organization=org_a,
        data={
            "email": "jurgen.single@example.com",
            "multiline_number": numbers_a[1],
            "first_name": values["firstname"],
            "last_name": values["lastname"],
            **{k: v for k, v in values.items() if k not in ("firstname", "lastname")},
        },
    )
    own = {"id", "email", "number", "batch", "created_at", "updated_at", "search_text"}
    fields = [f for f in Account._meta.concrete_fields if f.name not in own]
    imported = Account.objects.get(batch=batch)
    added.refresh_from_db()
    assert {f.attname: getattr(imported, f.attname) for f in fields} == {
        f.attname: getattr(added, f.attname) for f in fields
    }
    assert imported.language == "de" and imported.monitor_calls == "auto"
    assert imported.search_text == "jurgen muller jurgen import example com"
    assert (imported.number.e164, imported.batch_id) == (numbers_a[0], batch.pk)
