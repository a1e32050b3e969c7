"""The embedded default writes each email as its own .eml file under var/mail/."""

from email import message_from_bytes, policy

from django.core.mail import EmailMultiAlternatives, get_connection


def test_it_writes_one_eml_file_per_message(tmp_path, settings):
    settings.EMAIL_BACKEND = "portal.lib.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    messages = []
    for n in range(2):
        message = EmailMultiAlternatives(
            subject=f"Invitation {n}", body=f"Hello {n}", to=[f"u{n}@example.com"]
        )
        message.attach_alternative(f"<p>Hello {n}</p>", "text/html")
        messages.append(message)
    assert get_connection().send_messages(messages) == 2
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2
    parsed = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert sorted(str(m["Subject"]) for m in parsed) == ["Invitation 0", "Invitation 1"]
    assert parsed[0].get_body(("html",)).get_content().strip().startswith("<p>Hello")
