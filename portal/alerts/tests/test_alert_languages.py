"""Emails to admins come in each admin's language (Preferences), whatever language is active."""

from email.header import decode_header, make_header

from django.utils import timezone, translation

from portal.alerts.models import AlertSent
from portal.alerts.services import batch_notify
from portal.batches.models import Batch


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _text(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text part")


def test_the_batch_summary_reaches_each_admin_in_the_language_of_their_preferences(
    alice, bob, org_a, group_a, smtp_server
):
    bob.admin.language = "de"
    bob.admin.save(update_fields=["language"])
    batch = Batch.objects.create(
        organization=org_a,
        permission_group=group_a,
        created_by=alice,
        filename="mai.csv",
        status="completed",
        total=3,
        processed=3,
        succeeded=2,
        failed=1,
        finished_at=timezone.now(),
    )
    translation.activate("fr")  # What a previous request left active in the thread.
    assert batch_notify(batch_id=batch.pk) == 2
    smtp_server.wait_for(2)
    (german,) = smtp_server.to("bob@example.com")
    (english,) = smtp_server.to("alice@example.com")
    assert _subject(german).startswith(f"Stapel {batch.pk} ")
    assert "2 importiert, 1 fehlgeschlagen (mai.csv" in _subject(german)
    assert "Zeilen:" in _text(german) and "Fehlgeschlagen:" in _text(german)
    assert _subject(english).startswith(f"Batch {batch.pk} completed: 2 imported, 1 failed")
    assert "Rows:" in _text(english) and "Zeilen" not in _text(english)
    # What the portal records of it stays in its own language.
    assert AlertSent.objects.get().subject.startswith(f"Batch {batch.pk} completed")


def test_the_set_password_email_speaks_the_new_admins_language_not_the_creators(
    alice, bob, smtp_server
):
    from portal.access.services import send_set_password_email

    bob.admin.language = "fr"
    bob.admin.save(update_fields=["language"])
    translation.activate("de")  # the creating admin's request, in German
    send_set_password_email(bob, by="charlie")
    send_set_password_email(alice, by="charlie")  # (alice chose no language)
    smtp_server.wait_for(2)
    (french,) = smtp_server.to("bob@example.com")
    (english,) = smtp_server.to("alice@example.com")
    assert _subject(french) == "Votre compte MultiLine Management Portal"
    assert "charlie vous a nommé administrateur du MultiLine Management Portal" in _text(french)
    assert _subject(english) == "Your MultiLine Management Portal account"
    assert translation.get_language() == "de"
