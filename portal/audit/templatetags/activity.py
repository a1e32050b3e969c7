"""`{% load activity %}{% described events %}`: the activity screen's words for events shown on
another app's page (an account's), so that app need not import audit's wording."""

from __future__ import annotations

from django import template

from portal.audit.wording import describe

register = template.Library()


@register.simple_tag
def described(events) -> list:
    """Each event with its words (`.described`: sentence, details, via), in the active language."""
    events = list(events)
    for event, words in zip(events, describe(events)):
        event.described = words
    return events
