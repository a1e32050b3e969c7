import json

import pytest

from portal.organizations.models import Organization

pytestmark = pytest.mark.django_db


def post(client, body):
    return client.post("/api/v1/organizations", json.dumps(body), content_type="application/json")


def test_the_operator_creates_an_organization(api, operator):
    response = post(
        api(operator), {"name": "Acme Bank", "slug": "acme-bank", "features": ["smtp_data_offload"]}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["slug"], body["parent"], body["features"]) == (
        "acme-bank",
        None,
        ["smtp_data_offload"],
    )
    assert body["settings"]["invitation_validity_days"] == 7


@pytest.mark.parametrize(
    "persona, parent, status",
    [
        ("operator", None, 201),
        ("alice", None, 403),
        ("alice", "org-a", 201),
        ("bob", "org-a", 201),
        ("charlie", "org-a", 404),
        ("charlie", "org-b", 201),
    ],
)
def test_creating_follows_privilege_and_scope(request, api, org_a, org_b, persona, parent, status):
    response = post(
        api(request.getfixturevalue(persona)), {"name": "New", "slug": "new", "parent": parent}
    )
    assert response.status_code == status
    assert Organization.objects.filter(slug="new").exists() == (status == 201)


def test_bad_input_is_a_400_naming_the_field(api, operator, org_a):
    response = post(api(operator), {"name": "Again", "slug": "org-a"})
    assert response.status_code == 400 and response.json()["fields"] == {"slug": ["taken"]}
    response = post(api(operator), {"name": "X", "slug": "x", "features": ["warp"]})
    assert response.status_code == 400 and "features" in response.json()["fields"]
    response = post(api(operator), {"slug": "x"})
    assert response.status_code == 400 and "name" in response.json()["fields"]


def test_it_lists_and_gets_only_organizations_in_scope(
    api, alice, charlie, operator, org_a_child, org_b
):
    assert [o["slug"] for o in api(alice).get("/api/v1/organizations").json()] == [
        "org-a",
        "org-a-branch",
    ]
    assert [o["slug"] for o in api(charlie).get("/api/v1/organizations").json()] == ["org-b"]
    assert len(api(operator).get("/api/v1/organizations").json()) == 3
    body = api(alice).get("/api/v1/organizations/org-a").json()
    assert body["sub_organizations"] == ["org-a-branch"]
    assert api(charlie).get("/api/v1/organizations/org-a").status_code == 404
    assert api(alice).get("/api/v1/organizations/nope").status_code == 404


def test_it_changes_settings(api, alice, charlie, org_a):
    response = api(alice).patch(
        "/api/v1/organizations/org-a",
        json.dumps(
            {
                "invitation_validity_days": 10,
                "allowed_email_domains": ["example.com"],
                "report_recipients": ["alice"],
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200
    settings = response.json()["settings"]
    assert (
        settings["invitation_validity_days"],
        settings["allowed_email_domains"],
        settings["report_recipients"],
    ) == (10, ["example.com"], ["alice"])
    response = api(alice).patch(
        "/api/v1/organizations/org-a",
        json.dumps({"features": ["sms"]}),
        content_type="application/json",
    )
    assert response.status_code == 403
    response = api(charlie).patch(
        "/api/v1/organizations/org-a",
        json.dumps({"invitation_validity_days": 3}),
        content_type="application/json",
    )
    assert response.status_code == 404
