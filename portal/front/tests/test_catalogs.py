"""The translation catalogs are complete and shipped (issue 11 point 1; docs/architecture.md, "How
to add a language"): every string marked for translation (templates' {% translate %} and
{% blocktranslate %}, Python's gettext) is in the catalogs and translated in Italian, German,
French and Spanish, nothing is left fuzzy, and the compiled .mo files say what the .po files say.

`test_no_marked_string_is_missing_from_the_catalogs` runs Django's makemessages (GNU gettext's
xgettext, installed by `make install-test`) over a copy of portal/: a string marked in the code
but never extracted into the committed catalogs fails it — run `make messages` and translate."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from portal.front.tests.catalogs import LOCALE, TRANSLATED, catalog, key, po_path, untranslated

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def test_each_language_has_a_catalog_and_a_compiled_one():
    assert set(LANGUAGES) == {"en", *TRANSLATED}
    for language in LANGUAGES:
        assert po_path(language).is_file(), language
        assert po_path(language).with_suffix(".mo").is_file(), language


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_string_is_translated_and_none_is_fuzzy(language):
    po = catalog(language)
    assert not po.metadata_is_fuzzy, f"{language}: the header is marked fuzzy"
    assert po.metadata.get("Language") == language
    missing = untranslated(po)
    assert not missing, f"{language}: {len(missing)} untranslated or fuzzy: {missing[:20]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalogs_keep_the_placeholders_of_the_english(language):
    """msgfmt --check: every %(name)s of a msgid is in its msgstr (else the page raises)."""
    if not shutil.which("msgfmt"):
        pytest.fail("GNU gettext is missing: `make install-test` installs it (Debian's gettext)")
    check = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(po_path(language))],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogs_are_up_to_date(language):
    """The .mo a fresh install uses holds exactly the .po's translations: compile after editing."""
    po = catalog(language)
    mo = polib.mofile(str(po_path(language).with_suffix(".mo")))

    def entries(source):
        return {
            key(e): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in source
            if (e.msgstr or any(e.msgstr_plural.values())) and "fuzzy" not in e.flags
        }

    assert entries(mo) == entries(po), f"{language}: run `make messages` (compilemessages)"


def test_a_translation_is_what_the_portal_shows():
    """The compiled catalog is the one Django loads (LOCALE_PATHS): e.g. the activation page."""
    with translation.override("de"):
        assert translation.gettext("Send me a new invitation") == "Neue Einladung senden"
    with translation.override("it"):
        assert translation.gettext("December") == "dicembre"  # not Django's "Dicembre"


def test_no_marked_string_is_missing_from_the_catalogs(tmp_path):
    """makemessages over a copy of portal/ with the committed catalogs finds nothing new."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        pytest.fail("GNU gettext is missing: `make install-test` installs it (Debian's gettext)")
    portal = LOCALE.parent
    copy = tmp_path / "portal"
    shutil.copytree(
        portal,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "tests", "static", "*.mo", "node_modules"),
    )
    assert (copy / "locale").is_dir()
    run = subprocess.run(
        [
            # The portal's own command line (not `python -m django`: run in portal/, its
            # `numbers` package would shadow the standard library's).
            str(Path(sys.executable).with_name("multiline")),
            "makemessages",
            "--no-obsolete",
            "--no-wrap",
            *[arg for language in LANGUAGES for arg in ("-l", language)],
            "--ignore=*/tests/*",
            "--ignore=static/*",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        # The copy is the one imported: its settings' LOCALE_PATHS is the copy's locale/.
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PYTHONPATH": str(tmp_path),
        },
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    for language in TRANSLATED:
        assert po_path(language, copy / "locale").stat().st_mtime > 0
        extracted = {key(e) for e in catalog(language, copy / "locale")}
        committed = {key(e) for e in catalog(language)}
        new = sorted(extracted - committed, key=str)
        assert not new, f"{language}: marked but not in the catalog (run `make messages`): {new}"
