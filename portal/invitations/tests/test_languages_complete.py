"""Every end-user text exists in the five languages: the activation pages, the default email and
SMS, the QR code's alternative text, the email's button, link fallback and footer are marked for
translation and translated in each catalog; a new text left untranslated, or a new language
without its catalog, fails here (docs/architecture.md, "How to add a language")."""

from __future__ import annotations

import pytest
from django.conf import settings

from portal.front.tests.catalogs import TRANSLATED, catalog, key, untranslated, used_in
from portal.invitations import content, defaults
from portal.organizations.models import Language

FIVE = {"en", "it", "de", "fr", "es"}


def test_the_three_lists_of_languages_agree():
    assert (
        {code for code, _name in settings.LANGUAGES}
        == set(Language.values)
        == set(content.LANGUAGES)
        == FIVE
        == {"en", *TRANSLATED}
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_of_the_invitations_and_activation_pages_is_translated(language):
    po = catalog(language)
    ours = [entry for entry in po if used_in(entry, "invitations/")]
    sources = {path for entry in ours for path, _line in entry.occurrences}
    for page in ("page", "code", "gone", "done"):
        assert f"invitations/templates/invitations/activation/{page}.html" in sources
    assert {"invitations/defaults.py", "invitations/activation_views.py"} <= sources
    assert not [k for k in untranslated(po) if k in {key(e) for e in ours}]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_default_text_is_in_the_catalog_and_translated(language):
    po = catalog(language)
    translated = {key(e): e.msgstr for e in po}
    for name, text in defaults.TEXTS.items():
        context = "invitation email button" if name == "BUTTON" else None
        english = defaults.in_language(text, "en")
        assert translated.get((context, english)), (language, name)
        assert defaults.in_language(text, language) == translated[(context, english)]
