"""SMS length in segments: the default invitation SMS is one segment in each language, as sent
(with a real link), and the template editor tells the length in segments before saving."""

from __future__ import annotations

import pytest

from portal.accounts.services import account_add
from portal.conftest import add_numbers
from portal.invitations import content, services
from portal.invitations.tests.helpers import sent_invitation
from portal.lib.sms import sms_length
from portal.organizations.services import organization_create


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a" * 160, ("GSM-7", 160, 1)),
        ("a" * 161, ("GSM-7", 161, 2)),
        ("€" * 80, ("GSM-7", 160, 1)),
        ("Größe ändern, numéro è", ("GSM-7", 22, 1)),
        ("código" * 12, ("UCS-2", 72, 2)),
        ("ó" * 70, ("UCS-2", 70, 1)),
        ("😀" * 35, ("UCS-2", 70, 1)),
        ("a" * 306, ("GSM-7", 306, 2)),
        ("a" * 307, ("GSM-7", 307, 3)),
    ],
)
def test_length_is_counted_as_the_network_counts_it(text, expected):
    length = sms_length(text)
    assert (length.encoding, length.units, length.segments) == expected


@pytest.mark.parametrize("language", content.LANGUAGES)
def test_the_default_sms_fits_one_segment_as_sent(language, settings, db, mailoutbox, tmp_path):
    """With a 20-character organization name, a 30-character PUBLIC_URL and a real link."""
    settings.PUBLIC_URL = "https://multiline.bank.example"
    settings.SMS_URL = f"file://{tmp_path}"
    org = organization_create(
        actor=None, name="Banca Esempio S.p.A.", slug="banca", features=["voice_calling", "sms"]
    )
    assert (len(settings.PUBLIC_URL), len(org.name)) == (30, 20)
    add_numbers(org, ["+447911123401"])
    account = account_add(
        actor=None,
        organization=org,
        invite=True,
        data={"email": "+447911123456", "language": language},
    )
    sent_invitation(account)
    [path] = tmp_path.iterdir()
    text = path.read_text(encoding="utf-8").split("\n\n", 1)[1].strip()
    assert "https://multiline.bank.example/activate/" in text
    length = sms_length(text)
    assert (length.encoding, length.segments) == ("GSM-7", 1), (text, length)
    assert (
        services.sms_length_of(
            content.wording_for(org, language, "sms"), services.sample_values(org, language)
        )
        == length
    )


def test_the_editor_shows_the_length_in_segments(alice, org_a, login):
    client = login(alice)
    page = client.get("/invitations/templates/org-a/es/sms/").content.decode()
    assert "<b>1 SMS segment</b>" in page and "GSM-7 characters" in page
    accented = (
        "{{ organization }}: active su número MultiLine en {{ activation_link }} o "
        "introduzca el código {{ activation_code }} en la aplicación MultiLine."
    )
    preview = client.post(
        "/invitations/templates/org-a/es/sms/preview/", {"body": accented}
    ).content.decode()
    assert "UCS-2 characters, <b>3 SMS segments</b>" in preview
    assert "a character outside the GSM alphabet" in preview
