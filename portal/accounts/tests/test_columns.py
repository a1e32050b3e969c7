"""The CSV columns are declared once (portal.accounts.columns): the template and its Note, the
reader's header aliases, the mandatory columns, the row rules' values, the API's descriptions,
the forms' labels and help and the Accounts export are all made from that declaration."""

from __future__ import annotations

import csv
import io

import pytest

from portal.accounts import columns
from portal.accounts.forms import AccountAddForm
from portal.accounts.listing import EXPORT_COLUMNS
from portal.accounts.rules import clean_values
from portal.batches.services import read_upload, template_csv
from portal.lib.csvfile import FileRefused

# The article's "Table of CSV values", as a reader would copy it: the declaration must say the same.
ARTICLE = {
    "firstname": (False, ()),
    "lastname": (False, ()),
    "email": (True, ()),
    "social_messaging": (True, ("Yes", "No")),
    "multiline_number": (False, ()),
    "monitor_calls": (True, ("auto", "off")),
    "monitor_sms": (True, ("on", "off")),
    "forwarding_number": (False, ()),
    "restrict_incoming_social_messaging": (False, ("true", "false")),
    "language": (False, ("English", "Italian", "German", "French", "Spanish")),
}


def template(organization, group) -> tuple[list[str], str]:
    text = template_csv(organization=organization, permission_group=group).lstrip("\ufeff")
    header, note = list(csv.reader(io.StringIO(text)))
    return header, note[0]


def test_the_declaration_is_the_articles_table():
    assert {c.name: (c.required, c.values) for c in columns.COLUMNS} == ARTICLE
    assert "primary_number" in columns.column("multiline_number").aliases
    assert {"email address or device", "device"} <= set(columns.column("email").aliases)


def test_the_template_and_its_note_are_made_from_the_declaration(org_a, group_a, org_b):
    header, note = template(org_a, group_a)
    assert header == [c.name for c in columns.COLUMNS]
    for column in columns.COLUMNS:
        assert column.note in note  # e.g. "monitor_calls (auto / off)"
    mandatory, optional = note.split("Mandatory: ")[1].split(". Optional: ")
    assert mandatory == ", ".join(c.note for c in columns.COLUMNS if c.required)
    assert optional.startswith(", ".join(c.note for c in columns.COLUMNS if not c.required))
    # Where its feature is missing, a column declared with `template_feature` is left out.
    header, note = template(org_b, org_b.permission_groups.get(is_default=True))
    restrict = columns.column("restrict_incoming_social_messaging")
    assert restrict.name not in header and restrict.note not in note
    assert header == [c.name for c in columns.COLUMNS if c is not restrict]


@pytest.mark.parametrize("header, name", sorted(columns.headers().items()))
def test_every_declared_header_is_read_as_its_column(header, name):
    names = [name if c.name == name else c.name for c in columns.COLUMNS]
    names[names.index(name)] = header.upper()  # Header matching ignores case.
    table = read_upload(
        data=(",".join(names) + "\r\n" + ",".join(["x"] * len(names)) + "\r\n").encode(),
        filename="people.csv",
    )
    assert name in table.columns


@pytest.mark.parametrize("missing", columns.REQUIRED)
def test_a_file_without_a_mandatory_column_is_refused_naming_it(missing):
    names = [c.name for c in columns.COLUMNS if c.name != missing]
    with pytest.raises(FileRefused, match=missing):
        read_upload(
            data=(",".join(names) + "\r\n" + ",".join(["x"] * len(names)) + "\r\n").encode(),
            filename="people.csv",
        )


@pytest.mark.parametrize("column", [c for c in columns.COLUMNS if c.values], ids=lambda c: c.name)
def test_the_row_rules_take_the_declared_values_and_name_them_when_refusing(org_a, column):
    base = {
        "email": "ada@example.com",
        "social_messaging": "Yes",
        "monitor_calls": "off",
        "monitor_sms": "off",
    }
    for value in column.values:
        _values, problems = clean_values(org_a, {**base, column.name: value}, strict=True)
        assert column.name not in problems.as_dict(), (value, problems.as_dict())
    _values, problems = clean_values(org_a, {**base, column.name: "maybe"}, strict=True)
    assert problems.as_dict()[column.name] == [f"“maybe” is not one of {column.values_text}"]


def test_the_api_describes_each_column_with_its_declared_help(api, alice):
    schemas = api(alice).get("/api/v1/openapi.json").json()["components"]["schemas"]
    for schema in ("AccountIn", "Changes", "AccountEditIn"):
        properties = schemas[schema]["properties"]
        for column in columns.COLUMNS:
            if column.attribute not in properties:
                continue
            description = properties[column.attribute]["description"]
            assert description.startswith(column.description)  # (an edit may say more)
            assert column.help in description
            # The hint of the template's Note is the API's too.
            assert (column.hint or column.values_text) in description
    assert {c.attribute for c in columns.COLUMNS} <= set(schemas["AccountIn"]["properties"])


def test_the_form_labels_help_and_toggles_are_the_declarations(org_a, org_b, alice):
    form = AccountAddForm(organizations=[org_a], organization=org_a)
    for column in columns.COLUMNS:
        if column.attribute in form.fields:
            assert form.fields[column.attribute].label == column.label
    assert form.fields["email"].help_text == columns.helps("email")
    assert form.fields["forwarding_number"].help_text == columns.column("forwarding_number").help
    assert [f.name for f in form.feature_fields] == [
        "social_messaging",
        "restrict_incoming_social_messaging",
        "monitor_calls",
        "monitor_sms",
    ]
    # Org B has none of those features: the form offers no toggle.
    assert AccountAddForm(organizations=[org_b], organization=org_b).feature_fields == []


def test_the_export_has_the_declared_columns_written_as_the_article_spells_them(
    alice, org_a, group_a
):
    from portal.accounts.listing import export_row
    from portal.accounts.services import account_add

    account = account_add(
        actor=alice,
        organization=org_a,
        permission_group=group_a,
        data={
            "email": "ada@example.com",
            "social_messaging": "yes",
            "restrict_incoming_social_messaging": "1",
            "monitor_calls": "auto",
            "language": "it",
        },
    )
    assert EXPORT_COLUMNS[: 1 + len(columns.COLUMNS)] == ("id", *columns.NAMES)
    row = dict(zip(EXPORT_COLUMNS, export_row(account)))
    assert (
        row["social_messaging"],
        row["restrict_incoming_social_messaging"],
        row["monitor_calls"],
        row["monitor_sms"],
        row["language"],
        row["email"],
    ) == ("Yes", "true", "auto", "off", "Italian", "ada@example.com")


@pytest.mark.parametrize("column", columns.TOGGLE_COLUMNS, ids=lambda c: c.name)
def test_a_feature_toggle_is_read_and_refused_without_its_feature_from_the_declaration(
    org_a, org_b, column
):
    base = {
        "email": "ada@example.com",
        "social_messaging": "No",
        "monitor_calls": "off",
        "monitor_sms": "off",
    }
    on = next(v for v in column.values if column.reads[v.lower()] in column.switches_on)
    values, problems = clean_values(org_a, {**base, column.name: on}, strict=True)
    assert not problems and getattr(values, column.attribute) in column.switches_on
    values, _problems = clean_values(org_a, {**base, column.name: ""})
    assert getattr(values, column.attribute) == column.default  # The form's and the API's default.
    _values, problems = clean_values(org_b, {**base, column.name: on}, strict=True)
    assert problems.as_dict()[column.name] == [f"{column.feature_words} is not enabled for {org_b}"]
