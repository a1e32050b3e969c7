"""Reading the translation catalogs, portal/locale/<language>/LC_MESSAGES/django.po and .mo, for
the tests that hold them complete (test_catalogs.py, invitations' test_languages_complete.py)."""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings

TRANSLATED = ("it", "de", "fr", "es")  # English is the source: its msgstr may stay empty
LOCALE = Path(settings.LOCALE_PATHS[0])


def po_path(language: str, root: Path = LOCALE) -> Path:
    return root / language / "LC_MESSAGES" / "django.po"


def catalog(language: str, root: Path = LOCALE) -> polib.POFile:
    return polib.pofile(str(po_path(language, root)))


def key(entry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def untranslated(po: polib.POFile) -> list[tuple[str | None, str]]:
    """Entries without a translation, with a plural form missing, or marked fuzzy."""
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            done = bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
        else:
            done = bool(entry.msgstr)
        if not done or "fuzzy" in entry.flags:
            problems.append(key(entry))
    return problems


def used_in(entry, folder: str) -> bool:
    """Whether the entry's source references name a file under `folder` ("invitations/")."""
    return any(path.startswith(folder) for path, _line in entry.occurrences)
