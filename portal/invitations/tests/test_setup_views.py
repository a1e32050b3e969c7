"""Setup → Invitation templates: list, edit, refuse, preview, test send, reset."""

from __future__ import annotations

from portal.invitations import defaults
from portal.invitations.models import InvitationTemplate

URL = "/invitations/templates/org-a/it/email/"


def test_the_setup_menu_lists_every_language_and_channel(alice, login):
    page = login(alice).get("/invitations/")
    text = page.content.decode()
    assert page.status_code == 200
    for language in ("English", "Italian", "German", "French", "Spanish"):
        assert language in text
    assert text.count(">Edit</a>") == 10


def test_it_saves_an_organizations_own_wording(alice, login, org_a):
    client = login(alice)
    body = "Ciao {{ first_name }}, attiva qui: {{ activation_link }} codice {{ activation_code }}"
    answer = client.post(
        URL, {"subject": "Benvenuto in {{ organization }}", "body": body}, follow=True
    )
    assert answer.status_code == 200 and "was saved" in answer.content.decode()
    template = InvitationTemplate.objects.get(organization=org_a, language="it", channel="email")
    assert template.body == body and template.updated_by == "alice"
    assert "Benvenuto in Org A" in answer.content.decode()  # the preview


def test_it_refuses_a_wording_without_the_code_naming_it(alice, login, org_a):
    answer = login(alice).post(URL, {"subject": "Hi", "body": "Go {{ activation_link }}"})
    assert answer.status_code == 400
    assert "{{ activation_code }}" in answer.content.decode().replace("&#x27;", "'")
    assert not InvitationTemplate.objects.exists()


def test_the_preview_renders_the_posted_wording_with_the_sample_account(alice, login):
    answer = login(alice).post(
        URL + "preview/",
        {
            "subject": "S {{ last_name }}",
            "body": "Hi {{ first_name }} {{ activation_link }} {{ activation_code }} {{ qr_code }}",
        },
    )
    text = answer.content.decode()
    assert answer.status_code == 200 and "S Rossi" in text and "Hi Maria" in text
    assert "data:image/png;base64," in text  # the QR code, inline in the preview
    assert 'srcdoc="&lt;!doctype html&gt;' in text  # the whole email, escaped into the frame
    assert not InvitationTemplate.objects.exists()


def test_send_test_to_me_emails_the_admin(
    alice, login, run_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    client = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            URL + "test/",
            {
                "subject": "Draft: " + defaults.in_language(defaults.EMAIL_SUBJECT, "it"),
                "body": defaults.in_language(defaults.EMAIL_BODY, "it"),
            },
        )
    assert answer.status_code == 303 and answer["Location"] == URL  # POST/redirect/GET
    page = client.get(URL).content.decode()
    assert (
        "on its way to alice@example.com" in page and "Draft: " in page
    )  # the draft is shown again
    with django_capture_on_commit_callbacks(execute=True):
        assert "on its way" not in client.get(URL).content.decode()  # a reload sends nothing
    run_tasks()
    [message] = mailoutbox
    assert (
        message.to == ["alice@example.com"]
        and message.subject == "[Test] Draft: Org A La invita a usare MultiLine"
    )
    assert "Gentile Maria Rossi" in message.body


def test_reset_goes_back_to_the_default(alice, login, org_a):
    client = login(alice)
    client.post(URL, {"subject": "X", "body": "{{ activation_link }} {{ activation_code }}"})
    client.post(URL + "reset/")
    assert not InvitationTemplate.objects.exists()
    assert (
        defaults.in_language(defaults.EMAIL_SUBJECT, "it").replace("{{ organization }}", "")
        in client.get(URL).content.decode()
    )


def test_a_custom_wording_is_used_for_the_invitation(
    alice, org_a, numbers_a, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    from portal.accounts.services import account_add
    from portal.invitations.services import template_save

    template_save(
        actor=alice,
        organization=org_a,
        language="en",
        channel="email",
        subject="Your {{ organization }} phone",
        body="Dear {{ first_name }}: {{ activation_link }} / {{ activation_code }}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        account_add(
            actor=alice,
            organization=org_a,
            data={"email": "c@example.com", "firstname": "Carla"},
            invite=True,
        )
    run_tasks()
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Your Org A phone"


def test_the_sms_wording_is_edited_too(alice, login):
    page = login(alice).get("/invitations/templates/org-a/de/sms/")
    assert page.status_code == 200 and "MultiLine aktivieren" in page.content.decode()


def test_charlie_cannot_edit_org_as_templates(charlie, login):
    assert login(charlie).get(URL).status_code == 404


def test_setup_needs_the_setup_privilege(org_a, login, django_user_model):
    from portal.access.services import admin_create, role_save

    role = role_save(actor=None, name="Accounts only", privileges=["accounts"])
    dora = admin_create(
        actor=None,
        username="dora",
        email="d@example.com",
        password="Correct-horse-9",
        role=role,
        organizations=[org_a],
    )
    assert login(dora).get("/invitations/").status_code == 403


def test_the_api_reads_saves_previews_and_resets_wordings(alice, charlie, api, org_a):
    client = api(alice)
    listed = client.get("/api/v1/invitation-templates/org-a")
    assert listed.status_code == 200 and len(listed.json()) == 10
    es = client.get("/api/v1/invitation-templates/org-a/es/sms").json()
    assert es["custom"] is False and "{{ activation_code }}" in es["body"]
    refused = client.put(
        "/api/v1/invitation-templates/org-a/en/email",
        {"subject": "Hi", "body": "{{ activation_link }}"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["fields"]["body"] == [
        "missing {{ activation_code }}"
    ]
    saved = client.put(
        "/api/v1/invitation-templates/org-a/en/email",
        {"subject": "Hi {{ first_name }}", "body": "{{ activation_link }} {{ activation_code }}"},
        content_type="application/json",
    )
    assert saved.status_code == 200 and saved.json()["custom"] is True
    preview = client.post(
        "/api/v1/invitation-templates/org-a/en/email/preview",
        {"subject": "Hi {{ first_name }}", "body": "{{ activation_link }} {{ activation_code }}"},
        content_type="application/json",
    ).json()
    assert preview["subject"] == "Hi Maria" and "12345678" in preview["text"]
    reset = client.delete("/api/v1/invitation-templates/org-a/en/email")
    assert reset.json()["custom"] is False
    assert api(charlie).get("/api/v1/invitation-templates/org-a").status_code == 404
    assert client.get("/api/v1/invitation-templates/org-a/xx/email").status_code == 400
