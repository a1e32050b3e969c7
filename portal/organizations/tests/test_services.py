import pytest

from portal.audit.models import AuditEvent
from portal.lib.errors import DomainError, Forbidden, NotFound
from portal.organizations.models import Organization
from portal.organizations.services import (
    organization_admins,
    organization_create,
    organization_update,
)
from portal.permissions.models import PermissionGroup

pytestmark = pytest.mark.django_db


def test_it_creates_an_organization_with_a_default_permission_group(operator):
    org = organization_create(
        actor=operator, name="Acme Bank", slug="acme-bank", features=["sms", "voice_calling"]
    )
    assert org.features == ["voice_calling", "sms"]
    assert org.path == f"/{org.pk}/"
    group = PermissionGroup.objects.get(organization=org)
    assert (group.name, group.is_default) == ("default cos for acme-bank", True)
    assert AuditEvent.objects.filter(action="organization.create", actor_label="operator").exists()


def test_a_sub_organization_sits_under_its_parent_and_in_the_parents_admins_scope(alice, org_a):
    child = organization_create(actor=alice, name="Retail", slug="retail", parent=org_a)
    assert child.path == f"{org_a.path}{child.pk}/"
    assert Organization.objects.visible_to(alice).filter(pk=child.pk).exists()


def test_only_the_operator_creates_top_level_organizations(alice, charlie, org_a):
    with pytest.raises(Forbidden):
        organization_create(actor=alice, name="Rogue", slug="rogue")
    with pytest.raises(NotFound):
        organization_create(actor=charlie, name="Inside A", slug="inside-a", parent=org_a)
    assert not Organization.objects.filter(slug__in=["rogue", "inside-a"]).exists()


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"slug": "org-a"}, "slug"),
        ({"slug": "Not a slug!"}, "slug"),
        ({"name": ""}, "name"),
        ({"features": ["teleportation"]}, "features"),
        ({"invitation_validity_days": 0}, "invitation_validity_days"),
    ],
)
def test_it_refuses_bad_values_naming_the_field(operator, org_a, kwargs, field):
    values = {"name": "New", "slug": "new", **kwargs}
    with pytest.raises(DomainError) as error:
        organization_create(actor=operator, **values)
    assert field in error.value.fields


def test_it_changes_settings_and_records_what_changed(alice, org_a):
    organization_update(
        actor=alice,
        organization=org_a,
        invitation_validity_days=14,
        allowed_email_domains="example.com\nacme.example",
        alert_extra_recipients="ops@example.com",
        report_recipients=[alice],
    )
    org_a.refresh_from_db()
    assert org_a.invitation_validity_days == 14
    assert org_a.email_domains == ["example.com", "acme.example"]
    assert list(org_a.report_recipients.all()) == [alice]
    event = AuditEvent.objects.filter(action="organization.update").last()
    assert event.data["invitation_validity_days"] == [7, 14] and event.data[
        "report_recipients"
    ] == ["alice"]


@pytest.mark.parametrize(
    "settings, field",
    [
        ({"allowed_email_domains": "not a domain!"}, "allowed_email_domains"),
        ({"alert_extra_recipients": "nobody"}, "alert_extra_recipients"),
        ({"number_utilisation_percent": 101}, "number_utilisation_percent"),
    ],
)
def test_it_refuses_bad_settings(alice, org_a, settings, field):
    with pytest.raises(DomainError) as error:
        organization_update(actor=alice, organization=org_a, **settings)
    assert field in error.value.fields


def test_report_recipients_must_be_admins_of_the_organization(alice, charlie, org_a, org_a_child):
    assert list(organization_admins(org_a_child)) == [alice]  # through the parent
    with pytest.raises(DomainError) as error:
        organization_update(actor=alice, organization=org_a, report_recipients=[charlie])
    assert "charlie" in error.value.message


def test_only_the_operator_changes_features(alice, operator, org_a):
    with pytest.raises(Forbidden):
        organization_update(actor=alice, organization=org_a, features=["sms"])
    organization_update(actor=operator, organization=org_a, features=["sms"])
    org_a.refresh_from_db()
    assert org_a.features == ["sms"]


def test_an_admin_cannot_change_an_organization_outside_its_scope(charlie, org_a):
    with pytest.raises(NotFound):
        organization_update(actor=charlie, organization=org_a, invitation_validity_days=3)
