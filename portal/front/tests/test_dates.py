"""Every shown date and time through one function (portal/lib/dates.py): the language's own way of
writing it, in the admin's (or the organization's) time zone, with the zone shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from portal.lib.dates import when

MOMENT = datetime(2026, 12, 8, 13, 30, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "8 December 2026, 14:30 CET"),
        ("it", "8 dicembre 2026, 14:30 CET"),
        ("de", "8. Dezember 2026, 14:30 CET"),
        ("fr", "8 décembre 2026 à 14:30 CET"),
        ("es", "8 de diciembre de 2026, 14:30 CET"),
    ],
)
def test_each_language_writes_the_moment_its_own_way_with_the_zone(language, expected):
    with translation.override(language):
        assert when(MOMENT, tz="Europe/Rome") == expected


def test_the_styles_and_the_active_zone():
    with translation.override("it"):
        assert when(MOMENT, "date") == "8 dicembre 2026"
        assert when(date(2026, 12, 8)) == "8 dicembre 2026"
        assert when(MOMENT, "seconds") == "8 dicembre 2026, 13:30:05 UTC"
        timezone.activate("America/New_York")
        try:
            assert when(MOMENT) == "8 dicembre 2026, 08:30 EST"
        finally:
            timezone.deactivate()
    assert when(None) == "" and when("") == ""


def test_the_template_filter_needs_no_load():
    template = Template('{{ at|when }} · {{ at|when:"date" }} · {{ never|when|default:"never" }}')
    with translation.override("de"):
        text = template.render(Context({"at": MOMENT, "never": None}))
    assert text == "8. Dezember 2026, 13:30 UTC · 8. Dezember 2026 · never"
