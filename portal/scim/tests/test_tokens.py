"""SCIM tokens: who may issue them (portal and CLI), what a token can reach, invitations at once."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from portal.accounts.models import Account
from portal.audit.models import AuditEvent
from portal.invitations.tests.helpers import link_of, text_part
from portal.scim.models import ScimToken
from portal.scim.services import scim_token_issue
from portal.scim.tests.conftest import Scim

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def test_it_refuses_requests_without_a_valid_token(scim_token, org_a):
    anonymous = Client().get("/scim/v2/Users")
    wrong = Client(headers={"Authorization": "Bearer scim_not-a-token"}).get("/scim/v2/Users")
    api_style = Client(headers={"Authorization": "Bearer ml_abc"}).get("/scim/v2/Users")

    for response in (anonymous, wrong, api_style):
        assert response.status_code == 401
        assert response["Content-Type"] == "application/scim+json"
        assert json.loads(response.content)["status"] == "401"
    assert anonymous["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_at_once(alice, scim_token):
    from portal.scim.services import scim_token_revoke

    scim = Scim(scim_token)
    assert scim.get("Users").status_code == 200
    scim_token_revoke(actor=alice, token=ScimToken.objects.get())

    assert scim.get("Users").status_code == 401


def test_a_token_stops_when_its_issuer_loses_the_api_users_privilege(alice, scim_token):
    role = alice.admin.role
    role.privileges = [p for p in role.privileges if p != "api_users"]
    role.save()

    assert Scim(scim_token).get("Users").status_code == 401


def test_only_an_admin_with_api_users_issues_a_token(bob, org_a, login):
    bob.admin.role.privileges = [p for p in bob.admin.role.privileges if p != "api_users"]
    bob.admin.role.save()

    page = login(bob).get("/scim-tokens/")
    issued = login(bob).post("/scim-tokens/issue/", {"organization": "org-a", "name": "Okta"})

    assert page.status_code == 403 and issued.status_code == 403
    assert not ScimToken.objects.exists()


def test_an_admin_issues_a_token_in_the_portal_and_sees_it_once(alice, org_a, login):
    client = login(alice)

    issued = client.post(
        "/scim-tokens/issue/",
        {"organization": "org-a", "name": "Okta", "invite": "on", "expires_in_days": "90"},
    )
    assert issued.status_code == 302 and issued["Location"] == "/scim-tokens/"
    page = client.get("/scim-tokens/").content.decode()
    raw = page.split('<p class="token mono">')[1].split("</p>")[0]
    assert raw.startswith("scim_")
    assert Scim(raw).get("Users").status_code == 200
    assert raw not in client.get("/scim-tokens/").content.decode()  # Shown once.
    token = ScimToken.objects.get()
    assert (token.organization, token.name, token.invite) == (org_a, "Okta", True)
    assert AuditEvent.objects.filter(action="scim_token.issue", organization=org_a).exists()


def test_an_admin_of_another_organization_cannot_issue_for_org_a(charlie, org_a, login):
    refused = login(charlie).post("/scim-tokens/issue/", {"organization": "org-a"})

    assert refused.status_code == 400
    assert not ScimToken.objects.exists()


def test_the_cli_prints_only_the_token(operator, org_a, group_a):
    out = StringIO()
    call_command("issue_scim_token", "org-a", "--name", "Entra ID", stdout=out)

    raw = out.getvalue().strip()
    assert raw.startswith("scim_") and "\n" not in raw
    assert ScimToken.objects.get().created_by == operator
    assert Scim(raw).get("Users").status_code == 200


def test_a_token_of_org_a_reaches_none_of_org_b(scim, charlie, org_b):
    from portal.accounts.services import account_add

    other = account_add(actor=charlie, organization=org_b, data={"email": "b.user@bank.example"})

    assert scim.get(f"Users/{other.pk}").status_code == 404
    assert scim.get("Users").data["totalResults"] == 0
    assert (
        scim.patch(
            f"Users/{other.pk}",
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            },
        ).status_code
        == 404
    )
    assert scim.delete(f"Users/{other.pk}").status_code == 404
    assert Account.objects.filter(pk=other.pk, status="not_invited").exists()


def test_it_answers_unknown_paths_and_methods_in_scim_shape(scim):
    unknown = scim.get("Devices")
    method = scim.delete("Users")

    assert unknown.status_code == 404 and unknown.data["status"] == "404"
    assert method.status_code == 405 and method["Allow"] == "GET, POST"


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"schemas": 5}'])
def test_a_malformed_body_is_a_scim_400(scim, body):
    response = scim.client.post("/scim/v2/Users", body, content_type="application/scim+json")

    assert response.status_code == 400
    assert json.loads(response.content)["schemas"] == [
        "urn:ietf:params:scim:api:messages:2.0:Error"
    ]


def test_a_token_that_invites_sends_the_invitation(
    alice, org_a, numbers_a, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    _token, raw = scim_token_issue(actor=alice, organization=org_a, name="Okta", invite=True)

    with django_capture_on_commit_callbacks(execute=True):
        created = Scim(raw).post(
            "Users",
            {
                "schemas": [USER],
                "userName": "maria.rossi@bank.example",
                "name": {"givenName": "Maria", "familyName": "Rossi"},
            },
        )
    run_tasks()

    assert created.status_code == 201, created.data
    assert Account.objects.get(pk=created.data["id"]).status == "invited"
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "maria.rossi@bank.example"
    assert "/activate/" in link_of(text_part(message))


def test_a_token_that_invites_is_refused_without_numbers_to_invite_with(alice, org_a):
    _token, raw = scim_token_issue(actor=alice, organization=org_a, name="Okta", invite=True)

    refused = Scim(raw).post("Users", {"schemas": [USER], "userName": "maria.rossi@bank.example"})

    assert refused.status_code == 409
    assert "has no available number left" in refused.data["detail"]
    assert not Account.objects.exists()
