"""/api/v1/numbers: the same rules as the Numbers screen, a
privilege and scope matrix, per-number results."""

import json

import pytest

from portal.numbers.models import Number

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(f"/api/v1/numbers{path}", json.dumps(body), content_type="application/json")


def test_it_adds_numbers_with_a_result_for_each(api, operator, org_a, numbers_a):
    response = post(
        api(operator),
        "",
        {
            "organization": "org-a",
            "numbers": ["+1 212 555 0150", numbers_a[0], "x"],
            "tags": ["ported"],
            "status": "reserved",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert [(r["number"], r["result"]) for r in body["results"]] == [
        ("+12125550150", "added"),
        (numbers_a[0], "exists"),
        ("", "invalid"),
    ]
    assert body["summary"] == {"added": 1, "exists": 1, "invalid": 1}
    number = Number.objects.get(e164="+12125550150")
    assert number.status == "reserved" and [t.name for t in number.tags.all()] == ["PORTED"]


# Numbers come from the operator: every organization admin is refused alike, whatever the target.
@pytest.mark.parametrize(
    "persona, organization, status",
    [
        ("alice", "org-a", 403),
        ("bob", "org-a", 403),
        ("charlie", "org-a", 403),
        ("operator", "org-a", 200),
        ("alice", None, 403),
        ("operator", None, 200),
        ("alice", "nowhere", 403),
        ("operator", "nowhere", 404),
    ],
)
def test_adding_numbers_is_the_operators_alone(request, api, org_a, persona, organization, status):
    client = api(request.getfixturevalue(persona))
    response = post(client, "", {"organization": organization, "numbers": ["+12125550150"]})
    assert response.status_code == status
    assert Number.objects.filter(e164="+12125550150").exists() == (status == 200)
    if status != 200:
        assert set(response.json()) == {"error", "fields", "code"}


def test_a_bad_status_is_a_400_in_the_error_shape(api, operator, org_a):
    response = post(
        api(operator),
        "",
        {"organization": "org-a", "numbers": ["+12125550150"], "status": "assigned"},
    )
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_it_lists_numbers_in_scope_with_filters_and_keyset_pages(
    api, alice, charlie, operator, numbers_a, numbers_b
):
    client = api(alice)
    body = client.get("/api/v1/numbers", {"limit": 3}).json()
    assert [n["number"] for n in body["items"]] == numbers_a[:3]
    body = client.get("/api/v1/numbers", {"limit": 3, "after": body["next"]}).json()
    assert [n["number"] for n in body["items"]] == numbers_a[3:] and body["next"] is None
    assert body["items"][0] == {
        "number": numbers_a[3],
        "organization": "org-a",
        "status": "available",
        "tags": [],
        "reserved_for": "",
        "account_id": None,
    }
    assert client.get("/api/v1/numbers", {"organization": "org-b"}).status_code == 404
    assert client.get("/api/v1/numbers", {"pool": "true"}).status_code == 404
    assert client.get("/api/v1/numbers", {"status": "lost"}).status_code == 400
    assert [n["number"] for n in api(charlie).get("/api/v1/numbers").json()["items"]] == numbers_b
    everything = api(operator).get("/api/v1/numbers", {"limit": 500}).json()["items"]
    assert len(everything) == 10
    assert (
        api(operator).get("/api/v1/numbers", {"q": "4930"}).json()["items"][0]["number"]
        == numbers_b[0]
    )


@pytest.mark.parametrize(
    "path, body",
    [
        ("/allocate", {"organization": "org-a-branch"}),
        ("/withdraw", {}),
        ("/tag", {"tags": ["PORTED"]}),
        ("/reserve", {"reserved_for": "CFO"}),
        ("/unreserve", {}),
    ],
)
def test_charlie_cannot_act_on_numbers_of_org_a(api, charlie, org_a_child, numbers_a, path, body):
    response = post(api(charlie), path, {"numbers": [numbers_a[0]], **body})
    if path == "/allocate":
        assert response.status_code == 404  # the destination is outside his scope
    else:
        assert response.status_code == 200
        assert response.json()["results"][0]["result"] == "not_found"
    number = Number.objects.get(e164=numbers_a[0])
    assert (number.status, number.organization.slug, number.tags.count()) == (
        "available",
        "org-a",
        0,
    )


def test_it_needs_the_numbers_privilege(api, org_a, numbers_a):
    from portal.access.services import admin_create, role_save

    role = role_save(actor=None, name="Accounts only", privileges=["accounts"])
    dave = admin_create(
        actor=None,
        username="dave",
        email="dave@example.com",
        password="Correct-horse-9",
        role=role,
        organizations=[org_a],
    )
    client = api(dave)
    assert client.get("/api/v1/numbers").status_code == 403
    assert post(client, "/reserve", {"numbers": [numbers_a[0]]}).status_code == 403


def test_allocate_tag_reserve_unreserve_and_withdraw(api, alice, org_a, org_a_child, numbers_a):
    client = api(alice)
    body = post(
        client, "/allocate", {"numbers": numbers_a[:2], "organization": "org-a-branch"}
    ).json()
    assert body["summary"] == {"done": 2}
    assert Number.objects.filter(organization=org_a_child).count() == 2
    body = post(client, "/tag", {"numbers": numbers_a[:1], "tags": ["vip"]}).json()
    assert body["summary"] == {"done": 1}
    assert (
        client.get("/api/v1/numbers", {"tag": "VIP"}).json()["items"][0]["number"] == numbers_a[0]
    )
    post(client, "/tag", {"numbers": numbers_a[:1], "tags": ["VIP"], "remove": True})
    assert client.get("/api/v1/numbers", {"tag": "VIP"}).json()["items"] == []
    body = post(client, "/reserve", {"numbers": numbers_a[:2], "reserved_for": "Board"}).json()
    assert body["summary"] == {"done": 2}
    body = post(client, "/reserve", {"numbers": numbers_a[:1]}).json()
    assert body["results"][0]["reason"] == "It is reserved, not available."
    body = post(client, "/unreserve", {"numbers": numbers_a[:1]}).json()
    assert body["summary"] == {"done": 1}
    body = post(client, "/withdraw", {"numbers": numbers_a[:2]}).json()
    assert body["summary"] == {"done": 2}
    assert Number.objects.filter(organization=org_a).count() == 5


def test_an_empty_list_is_refused(api, alice):
    response = post(api(alice), "/reserve", {"numbers": []})
    assert response.status_code == 400
    assert response.json()["fields"] == {"numbers": ["required"]}


def test_without_a_token_it_is_401(client):
    response = client.get("/api/v1/numbers")
    assert response.status_code == 401
    assert set(response.json()) == {"error", "fields", "code"}
