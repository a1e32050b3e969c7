"""The Accounts screens: who may see what (a matrix), the
Add Account form's rules, pages, export."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from portal.accounts.models import Account
from portal.accounts.services import account_add
from portal.audit.models import AuditEvent
from portal.conftest import add_numbers
from portal.numbers.models import Number


@pytest.fixture
def ada(alice, org_a, numbers_a):
    return account_add(
        actor=alice,
        organization=org_a,
        data={
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "multiline_number": numbers_a[0],
        },
    )


@pytest.fixture
def bert(charlie, org_b):
    return account_add(
        actor=charlie,
        organization=org_b,
        data={"first_name": "Bert", "last_name": "Brecht", "email": "bert@example.com"},
    )


def _persona(request, name):
    return request.getfixturevalue(name)


# ---------------------------------------------------------------- privilege and scope matrix

LIST_MATRIX = [
    ("alice", 200, True, False),
    ("bob", 403, False, False),
    ("charlie", 200, False, True),
    ("operator", 200, True, True),
]


@pytest.mark.parametrize("who,status,sees_ada,sees_bert", LIST_MATRIX)
def test_it_lists_only_the_accounts_in_scope(
    request, login, ada, bert, who, status, sees_ada, sees_bert
):
    response = login(_persona(request, who)).get(reverse("accounts:list"))
    assert response.status_code == status
    body = response.content.decode()
    assert ("ada@example.com" in body) is sees_ada
    assert ("bert@example.com" in body) is sees_bert


@pytest.mark.parametrize(
    "who,status", [("alice", 200), ("bob", 403), ("charlie", 404), ("operator", 200)]
)
def test_it_shows_an_account_only_to_admins_of_its_organization(request, login, ada, who, status):
    response = login(_persona(request, who)).get(reverse("accounts:detail", args=[ada.pk]))
    assert response.status_code == status
    if status == 200:
        assert "ada@example.com" in response.content.decode()


# An organization outside the scope is an unknown filter value: a 400 page naming it, no data.
@pytest.mark.parametrize(
    "who,status", [("alice", 200), ("bob", 403), ("charlie", 400), ("operator", 200)]
)
def test_it_filters_by_an_organization_only_within_scope(request, login, ada, who, status):
    response = login(_persona(request, who)).get(
        reverse("accounts:list"), {"organization": "org-a"}
    )
    assert response.status_code == status
    assert ("ada@example.com" in response.content.decode()) == (status == 200)


@pytest.mark.parametrize(
    "who,status", [("alice", 200), ("bob", 403), ("charlie", 400), ("operator", 200)]
)
def test_it_exports_only_within_scope(request, login, ada, bert, who, status):
    response = login(_persona(request, who)).get(
        reverse("accounts:export"), {"organization": "org-a"}
    )
    assert response.status_code == status
    if status == 200:
        body = b"".join(response.streaming_content).decode()
        assert "ada@example.com" in body
        assert "bert@example.com" not in body


@pytest.mark.parametrize(
    "who,status", [("alice", 200), ("bob", 403), ("charlie", 404), ("operator", 200)]
)
def test_it_opens_the_add_form_only_for_organizations_in_scope(request, login, org_a, who, status):
    response = login(_persona(request, who)).get(reverse("accounts:add"), {"organization": "org-a"})
    assert response.status_code == status


@pytest.mark.parametrize(
    "who,status,added",
    [("alice", 302, True), ("bob", 403, False), ("charlie", 404, False), ("operator", 302, True)],
)
def test_it_adds_accounts_only_to_organizations_in_scope(request, login, org_a, who, status, added):
    response = login(_persona(request, who)).post(
        reverse("accounts:add"),
        {
            "organization": "org-a",
            "email": "new@example.com",
            "permission_group": org_a.permission_groups.get().pk,
            "action": "save",
        },
    )
    assert response.status_code == status
    assert Account.objects.filter(email="new@example.com").exists() is added


def test_it_sends_anonymous_visitors_to_the_login_page(client, ada):
    for url in (
        reverse("accounts:list"),
        reverse("accounts:add"),
        reverse("accounts:export"),
        reverse("accounts:detail", args=[ada.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


# ---------------------------------------------------------------- the Add Account form


def _post(client, org, **values):
    data = {
        "organization": org.slug,
        "permission_group": org.permission_groups.get(is_default=True).pk,
        "action": "save",
        **values,
    }
    return client.post(reverse("accounts:add"), data)


def test_it_adds_an_account_with_save_and_says_so(login, alice, org_a, numbers_a):
    client = login(alice)
    response = _post(
        client,
        org_a,
        first_name="Grace",
        last_name="Hopper",
        email="grace@example.com",
        assign=f"number:{numbers_a[1]}",
        social_messaging="on",
        monitor_calls="on",
        language="de",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:list")
    account = Account.objects.get(email="grace@example.com")
    assert (
        account.status,
        account.number.e164,
        account.social_messaging,
        account.monitor_calls,
        account.monitor_sms,
        account.language,
    ) == ("not_invited", numbers_a[1], True, "auto", "off", "de")
    assert not account.invitations.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Account added." in page
    assert "grace@example.com" in page


def queued_tasks() -> list[str]:
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True))


def test_save_and_invite_queues_the_invitation(
    login, alice, org_a, numbers_a, django_capture_on_commit_callbacks
):
    client = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, org_a, email="invitee@example.com", action="invite")
    assert response.status_code == 302
    account = Account.objects.get(email="invitee@example.com")
    assert account.status == "invited"
    assert account.invitations.get().state == "queued"
    assert any("invitation" in path for path in queued_tasks())
    assert (
        "Account added and invitation queued."
        in client.get(reverse("accounts:list")).content.decode()
    )


def test_save_alone_queues_nothing(
    login, alice, org_a, numbers_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post(login(alice), org_a, email="saved@example.com", action="save")
    assert Account.objects.get(email="saved@example.com").status == "not_invited"
    assert queued_tasks() == []


def test_it_refuses_a_duplicate_email_whatever_its_case(login, alice, org_a, ada):
    response = _post(login(alice), org_a, email="ADA@Example.com")
    assert response.status_code == 400
    body = response.content.decode()
    assert "ada@example.com is already used by an account in org a" in body.lower()
    assert Account.objects.count() == 1


def test_it_refuses_a_number_of_another_organization(login, alice, org_a, org_b, numbers_b):
    response = _post(login(alice), org_a, email="x@example.com", assign=f"number:{numbers_b[0]}")
    assert response.status_code == 400
    assert "This number is not available." in response.content.decode()  # org B's
    assert Number.objects.get(e164=numbers_b[0]).status == "available"
    assert not Account.objects.exists()


def test_smtp_data_offload_needs_an_email_not_a_device_number(login, charlie, org_b):
    response = _post(login(charlie), org_b, email="+44 7911 123456")
    assert response.status_code == 400
    assert "must be an email address: Org B uses SMTP data offload" in response.content.decode()
    assert not Account.objects.exists()


def test_it_assigns_a_ported_number_when_the_tag_is_chosen(login, alice, org_a, numbers_a):
    add_numbers(org_a, ["+12125550190", "+12125550191"], tags=["PORTED"])
    client = login(alice)
    form = client.get(reverse("accounts:add")).content.decode()
    assert "Tag: PORTED (2 available)" in form
    response = _post(client, org_a, email="ported@example.com", assign="tag:PORTED")
    assert response.status_code == 302
    number = Account.objects.get(email="ported@example.com").number
    assert number.e164 in ("+12125550190", "+12125550191")
    assert number.tags.filter(name="PORTED").exists()
    assert number.status == "assigned"


def test_the_form_offers_reserved_numbers_labelled_and_only_free_ones(
    login, alice, org_a, numbers_a, ada
):
    add_numbers(org_a, ["+12125550199"], status="reserved")
    form = login(alice).get(reverse("accounts:add")).content.decode()
    assert "+12125550199 — reserved" in form
    assert f'value="number:{numbers_a[1]}"' in form
    assert f'value="number:{numbers_a[0]}"' not in form  # Ada holds it.


def test_the_form_shows_only_the_features_of_the_organization(login, alice, charlie, org_a, org_b):
    form_a = login(alice).get(reverse("accounts:add")).content.decode()
    for label in (
        "Social messaging",
        "Restrict incoming social messaging",
        "Record calls",
        "Record SMS",
    ):
        assert label in form_a
    form_b = login(charlie).get(reverse("accounts:add")).content.decode()
    for label in (
        "Social messaging",
        "Restrict incoming social messaging",
        "Record calls",
        "Record SMS",
    ):
        assert label not in form_b


def test_the_form_follows_the_chosen_organization(login, operator, org_a, org_b):
    client = login(operator)
    assert 'name="email"' not in client.get(reverse("accounts:add")).content.decode()
    form_b = client.get(reverse("accounts:add"), {"organization": "org-b"}).content.decode()
    assert 'name="email"' in form_b
    assert f">{org_b.permission_groups.get().name}<" in form_b
    assert "Social messaging" not in form_b


def test_it_preselects_the_organization_of_an_admin_with_one(login, alice, org_a, org_a_child):
    form = login(alice).get(reverse("accounts:add")).content.decode()
    assert '<option value="org-a" selected>' in form
    assert 'name="email"' in form


def test_the_add_page_has_a_multiple_accounts_tab(login, alice, org_a):
    form = login(alice).get(reverse("accounts:add")).content.decode()
    assert "Single Account" in form
    assert "Multiple Accounts" in form
    assert "/batches/upload/" in form


def test_it_names_the_field_of_each_mistake(login, alice, org_a):
    response = _post(login(alice), org_a, email="not-an-email", forwarding_number="12")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_email_errors"' in body
    assert 'id="id_forwarding_number_errors"' in body
    assert "it must have 4 to 18" in body


# ---------------------------------------------------------------- the list: search, filters, pages


def test_it_searches_by_name_email_and_numbers(login, alice, org_a, numbers_a, ada):
    account_add(
        actor=alice,
        organization=org_a,
        data={"first_name": "Linus", "last_name": "Torvalds", "email": "+44 7911 123456"},
    )
    client = login(alice)

    def found(q):
        body = client.get(reverse("accounts:list"), {"q": q}).content.decode()
        return [name for name in ("Lovelace", "Torvalds") if name in body]

    assert found("lovelace") == ["Lovelace"]
    assert found("ADA@example") == ["Lovelace"]
    assert found("212 555 0100") == ["Lovelace"]
    assert found("7911123456") == ["Torvalds"]
    assert found("Linus Torvalds") == ["Torvalds"]
    assert found("nobody") == []


def test_it_filters_by_status(
    login, alice, org_a, numbers_a, ada, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        account_add(actor=alice, organization=org_a, data={"email": "inv@example.com"}, invite=True)
    client = login(alice)
    body = client.get(reverse("accounts:list"), {"status": "invited"}).content.decode()
    assert "inv@example.com" in body and "ada@example.com" not in body
    body = client.get(reverse("accounts:list"), {"status": "not_invited"}).content.decode()
    assert "ada@example.com" in body and "inv@example.com" not in body


def _delivered(account):
    """As the invitations worker leaves a delivered invitation (delivery itself is tested there)."""
    from django.utils import timezone

    account.invitations.update(state="sent", sent_at=timezone.now(), attempts=1)
    return account.invitations.get()


def test_it_shows_the_status_and_the_invitation(
    login, alice, org_a, numbers_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        account = account_add(
            actor=alice, organization=org_a, data={"email": "inv@example.com"}, invite=True
        )
    invitation = _delivered(account)
    body = login(alice).get(reverse("accounts:list")).content.decode()
    assert '<span class="badge invited">Invited</span>' in body
    assert invitation.expires_at.strftime("%-d %B %Y") in body


def _many(org, alice, n):
    from portal.permissions.models import PermissionGroup

    group = PermissionGroup.objects.get(organization=org, is_default=True)
    Account.objects.bulk_create(
        [
            Account(organization=org, permission_group=group, email=f"user{i:03}@example.com")
            for i in range(n)
        ]
    )
    return list(
        Account.objects.filter(organization=org).order_by("-id").values_list("email", flat=True)
    )


def test_it_pages_by_keyset_with_next_and_previous(login, alice, org_a):
    emails = _many(org_a, alice, 120)
    client = login(alice)
    first = client.get(reverse("accounts:list"))
    page1 = first.context["rows"]
    assert [a.email for a, _ in page1] == emails[:50]
    assert first.context["page"].prev_before is None
    after = first.context["page"].next_after
    second = client.get(reverse("accounts:list"), {"after": after})
    assert [a.email for a, _ in second.context["rows"]] == emails[50:100]
    third = client.get(reverse("accounts:list"), {"after": second.context["page"].next_after})
    assert [a.email for a, _ in third.context["rows"]] == emails[100:]
    assert third.context["page"].next_after is None
    back = client.get(reverse("accounts:list"), {"before": third.context["page"].prev_before})
    assert [a.email for a, _ in back.context["rows"]] == emails[50:100]
    back1 = client.get(reverse("accounts:list"), {"before": back.context["page"].prev_before})
    assert [a.email for a, _ in back1.context["rows"]] == emails[:50]
    assert back1.context["page"].prev_before is None
    assert "Next →" in second.content.decode() and 'rel="prev"' in second.content.decode()


def test_a_page_never_counts_the_whole_table(
    login, alice, org_a, settings, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _many(org_a, alice, 60)  # more than a page: a page that holds every match counts nothing
    settings.DEBUG = True
    client = login(alice)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("accounts:list"), {"status": "not_invited"})
    assert response.status_code == 200
    counts = [
        q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "accounts_account" in q["sql"]
    ]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)
    assert len(queries) <= 12


def test_it_caps_the_count(login, alice, org_a, monkeypatch):
    from portal.accounts import listing

    monkeypatch.setattr(listing, "COUNT_CAP", 20)
    _many(org_a, alice, 55)  # more than a page of 50
    client = login(alice)
    body = client.get(reverse("accounts:list")).content.decode()
    assert "More than 20 accounts" in body
    # Every match on the one page: counted exactly, whatever the cap.
    body = client.get(reverse("accounts:list"), {"q": "user05"}).content.decode()
    assert "5 accounts match" in body


def test_the_list_has_a_selection_form_for_bulk_actions(login, alice, ada):
    body = login(alice).get(reverse("accounts:list")).content.decode()
    assert '<form id="bulk"' in body
    assert f'name="ids" value="{ada.pk}"' in body
    assert 'id="select-all"' in body


# ---------------------------------------------------------------- CSV export


def _export(client, **params):
    response = client.get(reverse("accounts:export"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_holds_every_matching_row_not_only_the_page(login, alice, org_a, monkeypatch):
    from portal.accounts import listing

    monkeypatch.setattr(listing, "EXPORT_CHUNK", 7)
    emails = _many(org_a, alice, 60)
    rows = _export(login(alice))
    assert [r["email"] for r in rows] == emails
    rows = _export(login(alice), q="user00")
    assert sorted(r["email"] for r in rows) == [f"user00{i}@example.com" for i in range(10)]


def test_the_export_has_the_csv_columns_and_values(login, alice, org_a, ada):
    rows = _export(login(alice), status="not_invited")
    assert rows == [
        {
            "id": str(ada.pk),
            "firstname": "Ada",
            "lastname": "Lovelace",
            "email": "ada@example.com",
            "social_messaging": "No",
            "multiline_number": "+12125550100",
            "monitor_calls": "off",
            "monitor_sms": "off",
            "forwarding_number": "",
            "restrict_incoming_social_messaging": "",
            "language": "",
            "organization": "org-a",
            "permission_group": ada.permission_group.name,
            "status": "not_invited",
            "created_at": ada.created_at.isoformat(),
            "invitation_state": "",
            "invitation_sent_at": "",
            "invitation_expires_at": "",
            "invitation_attempts": "",
        }
    ]
    assert _export(login(alice), status="active") == []


def test_the_export_neutralises_formulas(login, alice, org_a):
    account_add(
        actor=alice,
        organization=org_a,
        data={
            "first_name": '=HYPERLINK("http://x")',
            "last_name": "@SUM(A1)",
            "email": "f@example.com",
        },
    )
    row = _export(login(alice))[0]
    assert row["firstname"] == '\'=HYPERLINK("http://x")'
    assert row["lastname"] == "'@SUM(A1)"


def test_every_cell_of_the_export_is_made_safe_where_it_could_start_a_formula(
    login, alice, org_a, group_a
):
    """The export makes its cells safe itself (csv_lines writes them as they are): every text
    column, the group's name too; a plain phone number stays as it is."""
    from portal.lib.csvexport import safe_cell

    group_a.name = "=Group"
    group_a.save()
    add_numbers(org_a, ["+12125550199"])
    account_add(
        actor=alice,
        organization=org_a,
        data={
            "first_name": "-1+2",
            "last_name": "+1 (212) 555",
            "email": "+12125550188",
            "multiline_number": "+12125550199",
        },
    )
    tabbed = account_add(actor=alice, organization=org_a, data={"email": "g@example.com"})
    # The forms strip spaces: written as an import from an old version might have.
    Account.objects.filter(pk=tabbed.pk).update(first_name="\tTab", last_name="\rCR")
    rows = _export(login(alice))
    assert [(r["firstname"], r["lastname"], r["email"], r["multiline_number"]) for r in rows] == [
        ("'\tTab", "'\rCR", "g@example.com", ""),
        ("'-1+2", "'+1 (212) 555", "+12125550188", "+12125550199"),
    ]
    assert {r["permission_group"] for r in rows} == {safe_cell("=Group")} == {"'=Group"}


def test_the_detail_shows_number_invitations_and_activity(
    login, alice, org_a, numbers_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        account = account_add(
            actor=alice,
            organization=org_a,
            data={
                "first_name": "Ada",
                "email": "ada@example.com",
                "multiline_number": numbers_a[2],
            },
            invite=True,
        )
    _delivered(account)
    body = login(alice).get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert numbers_a[2] in body
    assert '<span class="badge sent">Sent</span>' in body
    # The account's activity in words, as the activity screen says them (not action codes).
    assert "alice added account Ada" in body and "alice invited Ada" in body
    assert "account.create" not in body
    assert AuditEvent.objects.filter(target_id=str(account.pk)).count() >= 2
    german = login(alice).get(
        reverse("accounts:detail", args=[account.pk]), HTTP_ACCEPT_LANGUAGE="de"
    )
    assert "alice hat das Konto Ada" in german.content.decode()


def test_a_big_inventory_offers_a_typed_number_besides_the_list(
    login, alice, org_a, numbers_a, monkeypatch
):
    from portal.accounts import forms

    monkeypatch.setattr(forms, "NUMBER_CHOICES_CAP", 2)
    client = login(alice)
    form = client.get(reverse("accounts:add")).content.decode()
    assert "Numbers (first 2 of 5)" in form
    assert 'name="typed_number"' in form
    response = _post(client, org_a, email="typed@example.com", typed_number="+1 (212) 555-0104")
    assert response.status_code == 302
    assert Account.objects.get(email="typed@example.com").number.e164 == "+12125550104"


def test_the_export_shows_each_account_s_latest_invitation(login, alice, org_a, ada, monkeypatch):
    from portal.accounts import listing
    from portal.invitations.models import Invitation
    from portal.invitations.services import account_invite

    monkeypatch.setattr(listing, "EXPORT_CHUNK", 1)  # one account per chunk: each its own
    account_invite(actor=alice, account=ada)
    Invitation.objects.filter(account=ada).update(state="revoked")
    latest = account_invite(actor=alice, account=ada)
    latest.refresh_from_db()
    _many(org_a, alice, 2)
    rows = {r["email"]: r for r in _export(login(alice))}
    row = rows["ada@example.com"]
    assert (row["invitation_state"], row["invitation_attempts"]) == (
        latest.state,
        str(latest.attempts),
    )
    assert row["invitation_expires_at"] == (
        latest.expires_at.isoformat() if latest.expires_at else ""
    )
    assert rows["user000@example.com"]["invitation_state"] == ""


@pytest.mark.parametrize(
    "microsecond", [0, 120_000, 123_456, 1], ids=["whole", "trailing-zeros", "six", "one"]
)
def test_the_export_writes_timestamps_as_python_writes_them(login, alice, org_a, ada, microsecond):
    from datetime import UTC, datetime

    from portal.invitations.models import Invitation
    from portal.invitations.services import account_invite

    stamp = datetime(2026, 3, 4, 5, 6, 7, microsecond, tzinfo=UTC)
    Account.objects.filter(pk=ada.pk).update(created_at=stamp)
    account_invite(actor=alice, account=ada)
    Invitation.objects.filter(account=ada).update(sent_at=stamp, expires_at=stamp)
    (row,) = _export(login(alice))
    written = stamp.isoformat()  # what the export wrote from the parsed datetime before
    assert written.endswith("+00:00") and ("." in written) == bool(microsecond)
    assert (row["created_at"], row["invitation_sent_at"], row["invitation_expires_at"]) == (
        written,
        written,
        written,
    )


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-04 05:06:07",  # SQLite, as Django stores it
        "2026-03-04 05:06:07.120000",
        "2026-03-04 05:06:07.123",  # SQLite's STRFTIME('%f'): milliseconds
        "2026-03-04 05:06:07.12+00",  # PostgreSQL's text: trailing zeros dropped
        "2026-03-04 05:06:07+00",
        "2026-03-04 05:06:07.000+00:00",
        "2026-03-04T05:06:07.5Z",
        "2026-03-04 07:06:07.5+02:00",  # another offset: parsed, written in UTC
        "2026-03-04 05:06",  # no seconds: parsed
    ],
)
def test_a_timestamp_s_text_is_written_as_its_parsed_value(text):
    from datetime import UTC

    from django.utils.dateparse import parse_datetime

    from portal.accounts.listing import _iso, _iso_text

    value = parse_datetime(text)
    value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    assert _iso_text(text, naive_utc=True) == _iso(value)
    assert _iso_text(None, naive_utc=True) == ""
