"""Sign-ins, sign-outs and failed sign-ins through the login form are in the audit trail, under the
admin's organization, with the client address; a name nobody has is the operator's to see."""

import pytest
from django.test import Client

from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15"


def sign_in(username, password, ip="10.1.2.3"):
    client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=UA)
    response = client.post("/login/", {"username": username, "password": password})
    return client, response


def test_a_sign_in_and_a_sign_out_are_recorded(alice, org_a):
    client, response = sign_in("alice", "Correct-horse-9")
    assert response.status_code == 302
    client.post("/logout/")
    events = list(AuditEvent.objects.filter(action__startswith="signin.").order_by("id"))
    assert [(e.action, e.actor_label, e.organization, e.ip, e.user_agent) for e in events] == [
        ("signin.login", "alice", org_a, "10.1.2.3", UA),
        ("signin.logout", "alice", org_a, "10.1.2.3", UA),
    ]


def test_a_failed_sign_in_is_recorded_and_read_in_words(alice, charlie, login, org_a):
    _client, response = sign_in("alice", "wrong-password")
    assert response.status_code == 200  # The form again, with its error.
    event = AuditEvent.objects.get(action="signin.failed")
    assert (event.actor_id, event.actor_label, event.organization, event.ip, event.data) == (
        None,
        "anonymous",
        org_a,
        "10.1.2.3",
        {"username": "alice"},
    )
    assert "wrong-password" not in str(event.data)
    page = login(alice).get("/activity/", {"action": "signin.failed"}).content.decode()
    assert "Failed sign-in for alice from 10.1.2.3" in page
    assert "Failed sign-in" not in login(charlie).get("/activity/").content.decode()


def test_a_failed_sign_in_with_an_unknown_name_is_the_operators_alone(alice, operator, login, api):
    sign_in("nobody-here", "whatever-it-is")
    event = AuditEvent.objects.get(action="signin.failed")
    assert (event.organization, event.data["username"]) == (None, "nobody-here")
    assert "nobody-here" not in login(alice).get("/activity/").content.decode()
    found = (
        api(operator)
        .get("/api/v1/audit-events", {"action": "signin.*", "actor": "anonymous"})
        .json()["items"]
    )
    assert [(e["action"], e["details"]) for e in found] == [
        ("signin.failed", {"username": "nobody-here"})
    ]
