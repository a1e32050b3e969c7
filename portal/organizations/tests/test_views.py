import pytest

from portal.organizations.models import Organization

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "persona, path, status",
    [
        ("alice", "/organizations/", 200),
        ("bob", "/organizations/", 200),
        ("charlie", "/organizations/", 200),
        ("operator", "/organizations/", 200),
        ("alice", "/organizations/org-a/", 200),
        ("alice", "/organizations/org-a-branch/", 200),
        ("charlie", "/organizations/org-a/", 404),
        ("charlie", "/organizations/org-b/", 200),
        ("operator", "/organizations/org-a/", 200),
        ("alice", "/organizations/new/", 200),
    ],
)
def test_the_organizations_screens_follow_privilege_and_scope(
    request, login, org_a_child, org_b, persona, path, status
):
    assert login(request.getfixturevalue(persona)).get(path).status_code == status


def test_the_list_shows_only_organizations_in_scope_with_sub_organizations(
    login, alice, org_a_child, org_b
):
    page = login(alice).get("/organizations/").content.decode()
    assert "Org A" in page and "Org A Branch" in page and "Org B" not in page


def test_without_the_organizations_privilege_it_is_403(login, org_a):
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
    assert login(dave).get("/organizations/").status_code == 403
    assert login(dave).post("/organizations/org-a/", {"name": "Hacked"}).status_code == 403


def test_the_operator_creates_an_organization_with_features(login, operator):
    response = login(operator).post(
        "/organizations/new/",
        {
            "name": "Acme Bank",
            "slug": "acme-bank",
            "parent": "",
            "features": ["social_messaging", "sms"],
        },
        follow=True,
    )
    org = Organization.objects.get(slug="acme-bank")
    assert org.features == ["sms", "social_messaging"] and org.parent is None
    assert "Created Acme Bank" in response.content.decode()


def test_an_org_admin_creates_only_sub_organizations_in_scope(login, alice, org_a, org_b):
    client = login(alice)
    response = client.post("/organizations/new/", {"name": "Top", "slug": "top", "parent": ""})
    assert "This field is required" in response.content.decode()
    response = client.post(
        "/organizations/new/", {"name": "In B", "slug": "in-b", "parent": "org-b"}
    )
    assert "Select a valid choice" in response.content.decode()
    client.post("/organizations/new/", {"name": "Retail", "slug": "retail", "parent": "org-a"})
    assert Organization.objects.get(slug="retail").parent == org_a
    assert not Organization.objects.filter(slug__in=["top", "in-b"]).exists()


def test_a_taken_slug_is_shown_next_to_the_field(login, operator, org_a):
    response = login(operator).post(
        "/organizations/new/", {"name": "Again", "slug": "org-a", "parent": ""}
    )
    assert "exists already" in response.content.decode()


def settings_form(**changes):
    data = {
        "name": "Org A",
        "invitation_validity_days": 7,
        "activation_choices": 5,
        "default_language": "en",
        "allowed_email_domains": "",
        "number_utilisation_percent": 90,
        "alert_extra_recipients": "",
        "alert_account_moved": "on",
    }
    data.update(changes)
    return data


def test_it_saves_settings_and_report_recipients(login, alice, org_a):
    response = login(alice).post(
        "/organizations/org-a/",
        settings_form(
            invitation_validity_days=30,
            default_language="it",
            report_recipients=[alice.pk],
            alert_number_utilisation="on",
            number_utilisation_percent=80,
            alert_extra_recipients="noc@example.com",
        ),
        follow=True,
    )
    assert "Saved the settings" in response.content.decode()
    org_a.refresh_from_db()
    assert (
        org_a.invitation_validity_days,
        org_a.default_language,
        org_a.number_utilisation_percent,
    ) == (30, "it", 80)
    assert org_a.alert_number_utilisation and not org_a.alert_batch_finished
    assert list(org_a.report_recipients.all()) == [alice]


def test_an_org_admin_cannot_change_features_through_the_form(login, alice, org_a):
    login(alice).post("/organizations/org-a/", settings_form(features=["smtp_data_offload"]))
    org_a.refresh_from_db()
    assert "smtp_data_offload" not in org_a.features and "social_messaging" in org_a.features


def test_bad_settings_are_shown_on_the_form(login, alice, org_a):
    response = login(alice).post(
        "/organizations/org-a/", settings_form(alert_extra_recipients="not-an-email")
    )
    assert "is not an email address" in response.content.decode()
    org_a.refresh_from_db()
    assert org_a.alert_extra_recipients == ""
