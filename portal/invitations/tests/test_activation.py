"""The end user's activation: link states, the code form, picking a number, races, the API."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.accounts.services import account_add
from portal.invitations import services
from portal.invitations.models import Invitation
from portal.invitations.services import Gone, NumberTaken, account_activate
from portal.invitations.tests.helpers import sent_invitation


@pytest.fixture
def invited(alice, org_a, numbers_a, mailoutbox):
    def make(email="user@example.com", **data):
        account = account_add(
            actor=alice, organization=org_a, data={"email": email, **data}, invite=True
        )
        return (account, *sent_invitation(account))

    return make


def test_the_link_offers_a_short_list_of_the_organizations_numbers(
    invited, client, org_a, numbers_a
):
    org_a.activation_choices = 3
    org_a.save()
    _account, _inv, token, _code = invited()
    page = client.get(f"/activate/{token}/").content.decode()
    offered = [n for n in numbers_a if n in page]
    assert len(offered) == 3


def test_the_link_shows_the_assigned_number_and_activates(invited, client, numbers_a):
    account, _inv, token, _code = invited(multiline_number=numbers_a[4])
    page = client.get(f"/activate/{token}/").content.decode()
    assert numbers_a[4] in page and "Pick your MultiLine number" not in page
    assert client.post(f"/activate/{token}/", {"activate": "1"}).status_code == 200
    account.refresh_from_db()
    assert account.status == "active" and account.number.status == "registered"


def test_a_used_link_says_so(invited, client, numbers_a):
    _account, _inv, token, _code = invited()
    client.post(f"/activate/{token}/", {"number": numbers_a[0]})
    page = client.get(f"/activate/{token}/")
    text = page.content.decode()
    assert page.status_code == 410
    assert "This invitation was already used" in text and "MultiLine is already active" in text


def test_an_expired_link_says_so_and_how_to_get_a_new_one(invited, client):
    _account, invitation, token, _code = invited()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    page = client.get(f"/activate/{token}/")
    text = page.content.decode()
    assert page.status_code == 410
    assert (
        "This invitation has expired" in text and "Send me a new invitation" in text
    )  # test_renewal.py


def test_the_pages_speak_the_accounts_language(invited, client, numbers_a):
    _account, _inv, token, _code = invited(language="it")
    page = client.get(f"/activate/{token}/").content.decode()
    assert "Scelga il Suo numero MultiLine" in page and "Org A La invita a usare MultiLine." in page
    done = client.post(f"/activate/{token}/", {"number": numbers_a[0]}).content.decode()
    assert "MultiLine è attivo" in done
    assert "Questo invito è già stato usato" in client.get(f"/activate/{token}/").content.decode()


def test_the_code_form_speaks_the_browsers_language(client, db):
    page = client.get("/activate/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert "MultiLine mit einem Code aktivieren" in page.content.decode()


def test_an_unknown_link_says_so(client, db):
    page = client.get("/activate/not-a-token/")
    assert page.status_code == 410 and "not valid" in page.content.decode()


def test_a_resend_makes_the_old_link_say_it_was_replaced(invited, client, alice, numbers_a):
    account, old, token, _code = invited()
    Invitation.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(hours=1)
    )  # sent before
    results = services.invitations_resend(actor=alice, accounts=[account])
    assert results[0].result == "done"
    old.refresh_from_db()
    assert old.state == "revoked" and old.replaced_by_id == results[0].invitation.pk
    page = client.get(f"/activate/{token}/")
    assert page.status_code == 410 and "This invitation was replaced" in page.content.decode()
    _inv, new_token, _code = sent_invitation(account)
    assert client.post(f"/activate/{new_token}/", {"number": numbers_a[1]}).status_code == 200


def test_a_retry_leaves_only_the_last_link_working(invited, client):
    account, invitation, first_token, _code = invited()
    Invitation.objects.filter(pk=invitation.pk).update(
        state="queued"
    )  # as after a timeout we could not judge
    _inv, second_token, _code2 = sent_invitation(account)
    assert first_token != second_token
    assert client.get(f"/activate/{first_token}/").status_code == 410
    assert client.get(f"/activate/{second_token}/").status_code == 200


def test_the_activation_code_works_with_the_email(invited, client, numbers_a):
    account, _inv, _token, code = invited(email="Coded@Example.com")
    page = client.post("/activate/", {"contact": "coded@example.com", "code": code})
    assert page.status_code == 200 and "Pick your MultiLine number" in page.content.decode()
    done = client.post(
        "/activate/",
        {"contact": "coded@example.com", "code": code, "activate": "1", "number": numbers_a[3]},
    )
    assert done.status_code == 200 and "MultiLine is active" in done.content.decode()
    account.refresh_from_db()
    assert account.status == "active"


def test_a_wrong_code_is_refused_and_many_lock_the_invitation(invited, client):
    _account, invitation, _token, code = invited()
    wrong = "00000000" if code != "00000000" else "11111111"
    page = client.post("/activate/", {"contact": "user@example.com", "code": wrong})
    assert page.status_code == 400 and "does not match" in page.content.decode()
    Invitation.objects.filter(pk=invitation.pk).update(code_failures=services.CODE_MAX_FAILURES)
    page = client.post("/activate/", {"contact": "user@example.com", "code": code})
    assert page.status_code == 410 and "Too many wrong codes" in page.content.decode()


def test_two_users_picking_the_same_number_one_wins_the_other_sees_a_fresh_list(
    invited, client, numbers_a
):
    _first, _i1, token1, _c1 = invited(email="first@example.com")
    second, _i2, token2, _c2 = invited(email="second@example.com")
    page = client.get(f"/activate/{token2}/").content.decode()  # both look at their lists…
    wanted = numbers_a[0]
    assert client.post(f"/activate/{token1}/", {"number": wanted}).status_code == 200
    late = client.post(
        f"/activate/{token2}/", {"number": wanted}
    )  # …the second picks a taken number
    text = late.content.decode()
    assert late.status_code == 409
    assert "was just taken by someone else" in text
    assert f'value="{wanted}"' not in text and "Pick your MultiLine number" in text
    assert page  # it had offered it
    second.refresh_from_db()
    assert second.status == "invited" and second.number is None
    assert second.invitations.get().state == "sent"  # still usable


@pytest.mark.django_db(transaction=True)
def test_three_users_picking_one_number_at_once_one_wins(alice, org_a, numbers_a):
    """Threads, each with its own database connection, on PostgreSQL and on SQLite.

    The in-memory SQLite test database shares one cache between connections, where a busy writer
    makes others fail at once with "table is locked" instead of waiting as they do on the file
    database (busy timeout); there, the thread simply tries again, as a waiting writer would.
    """
    from django.db import OperationalError, connection

    invitations = []
    for email in ("p1@example.com", "p2@example.com", "p3@example.com"):
        account = account_add(actor=alice, organization=org_a, data={"email": email}, invite=True)
        invitations.append(sent_invitation(account)[0])
        assert numbers_a[0] in [
            n.e164 for n in services.activation_choices(invitations[-1])
        ]  # shown
    barrier = threading.Barrier(len(invitations))
    outcomes = []

    def pick(invitation):
        try:
            barrier.wait()
            for _attempt in range(500):
                try:
                    account_activate(
                        invitation=Invitation.objects.select_related(
                            "account__organization", "account__number"
                        ).get(pk=invitation.pk),
                        number=numbers_a[0],
                    )
                    outcomes.append("won")
                    return
                except OperationalError as error:
                    if connection.vendor != "sqlite" or "locked" not in str(error):
                        raise
                    time.sleep(0.005)
        except NumberTaken:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=pick, args=(inv,)) for inv in invitations]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["taken", "taken", "won"]
    from portal.accounts.models import Account

    assert Account.objects.filter(number__e164=numbers_a[0], status="active").count() == 1
    assert Invitation.objects.filter(state="used").count() == 1
    assert Invitation.objects.filter(state="sent").count() == 2


def test_the_api_shows_and_activates(invited, client, numbers_a, org_a):
    _account, _inv, token, _code = invited()
    shown = client.get(f"/api/v1/activation/{token}")
    assert shown.status_code == 200
    body = shown.json()
    assert (
        body["organization"] == "Org A"
        and body["number"] is None
        and numbers_a[0] in body["choices"]
    )
    missing = client.post(f"/api/v1/activation/{token}", {}, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["fields"] == {"number": ["required"]}
    done = client.post(
        f"/api/v1/activation/{token}", {"number": numbers_a[0]}, content_type="application/json"
    )
    assert (
        done.status_code == 200
        and done.json()["status"] == "active"
        and done.json()["number"] == numbers_a[0]
    )
    again = client.get(f"/api/v1/activation/{token}")
    assert again.status_code == 410 and "already been used" in again.json()["error"]


def test_the_api_says_when_a_number_was_taken(invited, client, numbers_a, alice, org_a):
    _a, _i, token1, _c = invited(email="one@example.com")
    _b, _j, token2, _d = invited(email="two@example.com")
    assert (
        numbers_a[1] in client.get(f"/api/v1/activation/{token2}").json()["choices"]
    )  # two sees it…
    client.post(
        f"/api/v1/activation/{token1}", {"number": numbers_a[1]}, content_type="application/json"
    )
    taken = client.post(
        f"/api/v1/activation/{token2}", {"number": numbers_a[1]}, content_type="application/json"
    )
    assert taken.status_code == 409 and "just taken" in taken.json()["error"]


def test_gone_has_a_reason():
    assert Gone("x", reason="expired").status == 410


def test_the_app_activates_with_the_code(invited, client, numbers_a):
    account, _inv, _token, code = invited(email="app@example.com")
    shown = client.post(
        "/api/v1/activation/by-code",
        {"contact": "APP@example.com", "code": code},
        content_type="application/json",
    )
    assert shown.status_code == 200 and numbers_a[0] in shown.json()["choices"]
    wrong = client.post(
        "/api/v1/activation/by-code",
        {"contact": "app@example.com", "code": "1234"},
        content_type="application/json",
    )
    assert wrong.status_code == 400 and wrong.json()["fields"] == {"code": ["8 digits"]}
    done = client.post(
        "/api/v1/activation/by-code/activate",
        {"contact": "app@example.com", "code": code, "number": numbers_a[2]},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["number"] == numbers_a[2]
    account.refresh_from_db()
    assert account.status == "active"
