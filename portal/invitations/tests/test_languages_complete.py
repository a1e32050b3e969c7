"""Every end-user text exists in the five languages: a new text, or a new language, that is
missing somewhere fails here (docs/architecture.md, "How to add a language")."""

from __future__ import annotations

from django.conf import settings

from portal.invitations import content, defaults, public_text
from portal.organizations.models import Language

FIVE = {"en", "it", "de", "fr", "es"}


def test_the_three_lists_of_languages_agree():
    assert (
        {code for code, _name in settings.LANGUAGES}
        == set(Language.values)
        == set(content.LANGUAGES)
        == FIVE
    )


def test_every_default_text_is_in_every_language():
    tables = {
        name: value
        for name, value in vars(defaults).items()
        if isinstance(value, dict) and name.isupper() and set(value) & FIVE
    }
    assert {
        "EMAIL_SUBJECT",
        "EMAIL_BODY",
        "SMS_BODY",
        "BUTTON",
        "FOOTER",
        "QR_ALT",
        "LINK_FALLBACK",
    } <= set(tables)
    for name, table in tables.items():
        assert set(table) == FIVE, name
        assert all(str(text).strip() for text in table.values()), name


def test_every_activation_page_text_is_in_every_language():
    assert set(public_text.TEXT) == FIVE
    keys = set(public_text.TEXT["en"])
    for language, texts in public_text.TEXT.items():
        assert set(texts) == keys, (language, keys ^ set(texts))
        assert all(text.strip() for text in texts.values()), language
