"""Users as Okta and Microsoft Entra ID provision them: the shapes each really sends."""

from portal.accounts.models import Account, AccountStatus
from portal.audit.models import AuditEvent

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
MULTILINE = "urn:ietf:params:scim:schemas:extension:multiline:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def okta_user(email="jurgen.muller@bank.example", given="Jürgen", family="Müller", **extra):
    """What Okta POSTs (its SCIM 2.0 template app)."""
    return {
        "schemas": [USER],
        "userName": email,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": f"{given} {family}",
        "locale": "en-US",
        "externalId": "00u1ab2cd3EF4gh5i6j7",
        "groups": [],
        "password": "Okta-generated-1",
        "active": True,
        **extra,
    }


def entra_user(email="anna.rossi@bank.example"):
    """What Microsoft Entra ID POSTs."""
    return {
        "schemas": [USER, ENTERPRISE],
        "externalId": "5b1a9c2e-7d3f-4e6a-9b8c-0d1e2f3a4b5c",
        "userName": email,
        "active": True,
        "displayName": "Anna Rossi",
        "emails": [{"primary": True, "type": "work", "value": email}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Anna Rossi", "familyName": "Rossi", "givenName": "Anna"},
        "roles": [],
        "preferredLanguage": "it-IT",
        ENTERPRISE: {"department": "Retail banking"},
    }


def test_it_creates_an_okta_user_after_a_lookup_that_finds_none(scim, org_a, group_a):
    found = scim.get(
        "Users", filter='userName eq "jurgen.muller@bank.example"', startIndex="1", count="100"
    )
    assert found.status_code == 200 and found.data["totalResults"] == 0

    created = scim.post("Users", okta_user())

    assert created.status_code == 201, created.data
    assert created["Content-Type"] == "application/scim+json"
    account = Account.objects.get(pk=created.data["id"])
    assert (account.organization, account.permission_group) == (org_a, group_a)
    assert (account.first_name, account.last_name) == ("Jürgen", "Müller")
    assert account.email == "jurgen.muller@bank.example"
    assert account.status == AccountStatus.NOT_INVITED  # The fixture's token does not invite.
    assert created["Location"] == f"http://testserver/scim/v2/Users/{account.pk}"
    assert created.data["userName"] == "jurgen.muller@bank.example"
    assert created.data["externalId"] == "00u1ab2cd3EF4gh5i6j7"
    assert created.data["active"] is True
    assert "password" not in created.data

    again = scim.get("Users", filter='userName eq "JURGEN.MULLER@bank.example"')
    assert [u["id"] for u in again.data["Resources"]] == [created.data["id"]]


def test_it_creates_an_entra_user_with_its_language(scim):
    created = scim.post("Users", entra_user())

    assert created.status_code == 201, created.data
    account = Account.objects.get(pk=created.data["id"])
    assert account.language == "it"
    assert created.data["preferredLanguage"] == "it-IT"
    by_external = scim.get("Users", filter='externalId eq "5b1a9c2e-7d3f-4e6a-9b8c-0d1e2f3a4b5c"')
    assert by_external.data["totalResults"] == 1


def test_entra_deactivates_with_a_capitalised_replace_and_a_string_false(scim, org_a, numbers_a):
    created = scim.post(
        "Users", {**entra_user(), "phoneNumbers": [{"type": "work", "value": numbers_a[0]}]}
    )
    account = Account.objects.get(pk=created.data["id"])
    assert account.number.e164 == numbers_a[0]

    patched = scim.patch(
        f"Users/{account.pk}",
        {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]},
    )

    assert patched.status_code == 200, patched.data
    assert patched.data["active"] is False
    account.refresh_from_db()
    assert account.status == AccountStatus.SUSPENDED and account.number is None

    back = scim.patch(
        f"Users/{account.pk}",
        {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "True"}]},
    )
    assert back.data["active"] is True
    account.refresh_from_db()
    assert account.status == AccountStatus.NOT_INVITED  # It never activated: invite it again.


def test_entra_patch_without_a_path_sets_the_values_it_carries(scim):
    created = scim.post("Users", entra_user())

    patched = scim.patch(
        f"Users/{created.data['id']}",
        {
            "schemas": [PATCH],
            "Operations": [
                {
                    "op": "Replace",
                    "value": {
                        "name.givenName": "Annamaria",
                        "active": False,
                        "externalId": "new-external-id",
                    },
                }
            ],
        },
    )

    assert patched.status_code == 200, patched.data
    account = Account.objects.get(pk=created.data["id"])
    assert account.first_name == "Annamaria" and account.status == AccountStatus.SUSPENDED
    assert patched.data["externalId"] == "new-external-id"


def test_entra_changes_the_email_through_a_filtered_path(scim):
    created = scim.post("Users", entra_user())

    patched = scim.patch(
        f"Users/{created.data['id']}",
        {
            "schemas": [PATCH],
            "Operations": [
                {
                    "op": "replace",
                    "path": 'emails[type eq "work"].value',
                    "value": "anna.rossi-bianchi@bank.example",
                }
            ],
        },
    )

    assert patched.status_code == 200, patched.data
    assert Account.objects.get(pk=created.data["id"]).email == "anna.rossi-bianchi@bank.example"


def test_okta_updates_with_put_and_deactivates_with_patch(scim):
    created = scim.post("Users", okta_user())
    pk = created.data["id"]

    replaced = scim.put(f"Users/{pk}", okta_user(given="Jürgen", family="Müller-Schmidt"))
    assert replaced.status_code == 200, replaced.data
    assert Account.objects.get(pk=pk).last_name == "Müller-Schmidt"

    off = scim.patch(
        f"Users/{pk}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert off.data["active"] is False
    assert Account.objects.get(pk=pk).status == AccountStatus.SUSPENDED
    inactive = scim.get("Users", filter="active eq false")
    assert [u["id"] for u in inactive.data["Resources"]] == [pk]


def test_it_sets_the_multiline_settings_of_the_extension(scim):
    created = scim.post(
        "Users",
        {
            **okta_user(),
            "schemas": [USER, MULTILINE],
            MULTILINE: {
                "socialMessaging": True,
                "monitorCalls": "auto",
                "monitorSms": "on",
                "forwardingNumber": "+441632960001",
            },
        },
    )

    assert created.status_code == 201, created.data
    account = Account.objects.get(pk=created.data["id"])
    assert account.social_messaging is True
    assert (account.monitor_calls, account.monitor_sms) == ("auto", "on")
    assert account.forwarding_number == "+441632960001"
    assert created.data[MULTILINE]["monitorCalls"] == "auto"


def test_it_refuses_a_feature_the_organization_lacks(scim, org_a):
    org_a.features = [f for f in org_a.features if f != "call_recording"]
    org_a.save()

    refused = scim.post(
        "Users", {**okta_user(), "schemas": [USER, MULTILINE], MULTILINE: {"monitorCalls": "auto"}}
    )

    assert refused.status_code == 400
    assert refused.data["scimType"] == "invalidValue"
    assert "call recording" in refused.data["detail"]
    assert refused.data["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert not Account.objects.exists()


def test_it_answers_a_taken_user_name_with_uniqueness(scim):
    scim.post("Users", okta_user())

    again = scim.post("Users", okta_user())

    assert again.status_code == 409
    assert again.data["scimType"] == "uniqueness" and again.data["status"] == "409"
    assert Account.objects.count() == 1


def test_it_says_only_not_available_for_an_email_of_another_organization(scim, charlie, org_b):
    from portal.accounts.services import account_add

    account_add(actor=charlie, organization=org_b, data={"email": "jurgen.muller@bank.example"})

    refused = scim.post("Users", okta_user())

    assert refused.status_code == 409 and refused.data["scimType"] == "uniqueness"
    assert "not available" in refused.data["detail"]
    assert "Org B" not in refused.data["detail"] and "org-b" not in refused.data["detail"]


def test_it_refuses_an_unknown_language(scim):
    refused = scim.post("Users", {**okta_user(), "preferredLanguage": "pt-BR"})

    assert refused.status_code == 400 and refused.data["scimType"] == "invalidValue"
    assert "preferredLanguage" in refused.data["detail"]


def test_it_provisions_a_device_number_user_from_the_mobile_phone(scim):
    created = scim.post(
        "Users",
        {
            "schemas": [USER],
            "userName": "m.bianchi",
            "name": {"givenName": "Marco", "familyName": "Bianchi"},
            "phoneNumbers": [{"type": "mobile", "value": "+447911123456"}],
        },
    )

    assert created.status_code == 201, created.data
    account = Account.objects.get(pk=created.data["id"])
    assert account.device_number == "+447911123456" and account.email is None
    assert created.data["phoneNumbers"] == [{"value": "+447911123456", "type": "mobile"}]


def test_it_deletes(scim):
    created = scim.post("Users", okta_user())

    deleted = scim.delete(f"Users/{created.data['id']}")

    assert deleted.status_code == 204
    assert not Account.objects.exists()
    assert scim.get(f"Users/{created.data['id']}").status_code == 404


def test_it_pages_with_start_index_and_count(scim):
    for i in range(5):
        scim.post("Users", okta_user(email=f"user{i}@bank.example"))

    page = scim.get("Users", startIndex="3", count="2")

    assert page.data["totalResults"] == 5
    assert (page.data["startIndex"], page.data["itemsPerPage"]) == (3, 2)
    assert [u["userName"] for u in page.data["Resources"]] == [
        "user2@bank.example",
        "user3@bank.example",
    ]


def test_it_returns_only_the_attributes_asked_for(scim):
    scim.post("Users", okta_user())

    page = scim.get("Users", attributes="userName")

    (user,) = page.data["Resources"]
    assert set(user) == {"schemas", "id", "userName"}


def test_it_refuses_an_unsupported_filter_clearly(scim):
    refused = scim.get("Users", filter='title eq "Teller"')
    broken = scim.get("Users", filter='userName eq "unterminated')

    assert refused.status_code == 400 and refused.data["scimType"] == "invalidFilter"
    assert broken.status_code == 400 and broken.data["scimType"] == "invalidFilter"


def test_it_links_an_account_added_in_the_portal_by_its_email(scim, alice, org_a):
    from portal.accounts.services import account_add

    account = account_add(
        actor=alice,
        organization=org_a,
        data={"email": "jurgen.muller@bank.example", "first_name": "Jürgen"},
    )

    found = scim.get("Users", filter='userName eq "jurgen.muller@bank.example"')

    assert [u["id"] for u in found.data["Resources"]] == [str(account.pk)]


def test_every_write_is_in_the_activity_log_as_made_through_scim(scim, alice):
    created = scim.post("Users", okta_user())
    scim.patch(
        f"Users/{created.data['id']}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": False}]},
    )

    events = AuditEvent.objects.filter(via="scim").order_by("pk")

    assert [e.action for e in events][:2] == ["account.create", "account.update"]
    assert "account.suspend" in [e.action for e in events]
    assert all(e.actor_id == alice.pk for e in events)
