"""Reading settings from the environment: every helper fails loudly, naming the variable."""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


RATE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def envrate(name: str, default: str) -> tuple[int, int]:
    """A rate limit such as 10/m, 300/h or 5/10s: (attempts, period in seconds)."""
    value = os.environ.get(name, default)
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", value)
    if not match or int(match.group(1)) < 1:
        raise ImproperlyConfigured(f"{name} must look like 10/m, 300/h or 5/10s, not {value!r}")
    return int(match.group(1)), int(match.group(2) or 1) * RATE_PERIODS[match.group(3)]


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(name: str, url: str, *, sqlite_default: str) -> dict:
    """DATABASE_URL: sqlite:///path, sqlite:////abs/path or postgres://user:pw@host:port/db."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path or sqlite_default,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                # Seconds a write waits for SQLite's lock before "database is locked".
                "timeout": envint("SQLITE_BUSY_TIMEOUT", 20, minimum=1),
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": os.environ.get("TEST_SQLITE_NAME") or None},
        }
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        if not parts.path.strip("/"):
            raise ImproperlyConfigured(f"{name} names no database: {url!r}")
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.strip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 0,
        }
    raise ImproperlyConfigured(
        f"{name} must start with sqlite:// or postgres://, not {parts.scheme or url!r}"
    )


def email_from_url(name: str, url: str, *, file_default: str) -> dict:
    """EMAIL_URL: file:///folder, console://, smtp://user:pw@host:port (?tls=1 or ?ssl=1), memory://."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "file":
        return {
            "EMAIL_BACKEND": "portal.lib.mail.EmlFileBackend",
            "EMAIL_FILE_PATH": unquote(parts.path) or file_default,
        }
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme in {"smtp", "smtps"}:
        if not parts.hostname:
            raise ImproperlyConfigured(f"{name} names no host: {url!r}")
        return {
            "EMAIL_BACKEND": "portal.lib.mail.SmtpBackend",
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": parts.scheme == "smtps" or query.get("ssl") in TRUE,
            "EMAIL_USE_TLS": query.get("tls") in TRUE,
            "EMAIL_TIMEOUT": 10,
        }
    raise ImproperlyConfigured(
        f"{name} must start with file://, console://, memory:// or smtp://, not {url!r}"
    )


def check_url(name: str, url: str, schemes: set[str]) -> str:
    scheme = urlsplit(url).scheme
    if scheme not in schemes:
        allowed = ", ".join(sorted(f"{s}://" for s in schemes))
        raise ImproperlyConfigured(f"{name} must start with one of {allowed}, not {url!r}")
    return url
