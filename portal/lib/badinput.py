"""Input that no database can store or compare, found before any view or query sees it.

- NUL (U+0000): PostgreSQL refuses it in text, so a query or a write with one fails there.
- Unpaired surrogates (U+D800..U+DFFF): not Unicode, so not UTF-8 either; JSON's `\\ud800`
  escape produces them, and both databases (and every answer) fail to encode them.
- Integers outside 64 bits: ids are BigAutoField, so a larger number names nothing, and SQLite
  cannot even compare a column with it.

The request middleware (portal.front.middleware.BadInput) applies these to the URL, the query
string and the portal's forms; the API's parser (portal.api) to JSON and form bodies. Both answer
400 with {"error": ..., "fields": {field: [reason]}} (the portal as a page).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from portal.lib.errors import DomainError

logger = logging.getLogger(__name__)

MAX_INT = 2**63 - 1
MIN_INT = -(2**63)
MAX_REPORTED = 20  # fields named in one answer; a hostile body may have thousands

NUL_REASON = "must not contain NUL (\\u0000) characters"
SURROGATE_REASON = "must not contain unpaired surrogates (\\ud800-\\udfff): not valid Unicode"
RANGE_REASON = f"out of range: integers go from {MIN_INT} to {MAX_INT}"

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored, or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    return NUL_REASON if found.group() == "\x00" else SURROGATE_REASON


def int_problem(value: int) -> str | None:
    return None if MIN_INT <= value <= MAX_INT else RANGE_REASON


def shown(name: str) -> str:
    """A field name fit for the answer (its own NUL or surrogates escaped)."""
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", name) or "request"


def refuse(problems: dict[str, list[str]], where: str) -> None:
    """Raise the 400 for `problems` ({field: [reason]}), if any."""
    if not problems:
        return
    names = ", ".join(list(problems)[:5])
    raise DomainError(
        f"Invalid {where}: {names} cannot be stored (see fields).",
        fields=problems,
        code="unstorable",
    )


def _add(problems: dict[str, list[str]], field: str, reason: str) -> None:
    if len(problems) < MAX_REPORTED and reason not in problems.setdefault(shown(field), []):
        problems[shown(field)].append(reason)


def pairs_problems(pairs: Iterable[tuple[str, list[str]]]) -> dict[str, list[str]]:
    """Problems of a query string or form: `pairs` as from QueryDict.lists()."""
    problems: dict[str, list[str]] = {}
    for key, values in pairs:
        for value in (key, *values):
            if isinstance(value, str) and (reason := text_problem(value)):
                _add(problems, key, reason)
    return problems


def json_problems(data: Any) -> dict[str, list[str]]:
    """Problems in parsed JSON; fields are dotted paths as ninja's (`ids.3`, `filter.q`)."""
    problems: dict[str, list[str]] = {}
    stack: list[tuple[str, Any]] = [("", data)]
    while stack and len(problems) < MAX_REPORTED:
        path, value = stack.pop()
        if isinstance(value, str):
            reason = text_problem(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            reason = int_problem(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if reason := text_problem(key):
                    _add(problems, child, reason)
                stack.append((child, item))
            continue
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
            continue
        else:
            continue
        if reason:
            _add(problems, path or "body", reason)
    return problems


def refusal_for(exc: BaseException) -> DomainError | None:
    """The 400 for a database refusing a value that got past the checks (a backstop, logged).

    OverflowError: SQLite given an integer outside 64 bits; DataError: a value too long or out of
    range for its column, or text PostgreSQL cannot store. Any other exception: None.
    """
    from django.db import DataError

    if isinstance(exc, OverflowError):
        message = "A number is out of range."
    elif isinstance(exc, DataError):
        message = "A value does not fit its field (too long, out of range or not storable)."
    else:
        return None
    logger.error("Input reached the database unchecked: %s", exc, exc_info=exc)
    return DomainError(message, code="unstorable")
