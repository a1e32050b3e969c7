"""Activation links and codes never reach a log: one redaction for every log line and error report.

An activation link (`/activate/<token>/`, `/api/v1/activation/<token>`) lets whoever holds it
take the user's MultiLine number; the 8-digit code does the same with the user's address. They
travel in request lines, Referer headers and tracebacks, so every place that writes those down
goes through `redact()`: gunicorn's access and error logs (`GunicornLogger`), Django's loggers
(`RedactSecrets` on the handlers of settings.LOGGING) and the 500 reports mailed to ADMINS
(`RedactSecrets` gives the handler a redacted request; `Reporter` and `ReportFilter` redact the
exception, the URL, the headers and the frames). Where a request is known, the exact secrets of
its URL are also removed wherever else they appear (an exception's message, another variable).
"""

from __future__ import annotations

import copy
import logging
import re

from django.http import QueryDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

MASK = "[redacted]"
_END = r"[^/?#&\s\"'<>]+"
PATTERNS = (
    re.compile(rf"(/activate/){_END}"),
    re.compile(rf"(/api/v1/activation/)(?!by-code(?![\w-])){_END}"),
    re.compile(rf"([?&;](?:token|code)=){_END}", re.IGNORECASE),
    re.compile(rf"(/password/reset/[^/?#\s]+/)(?!set-password(?![\w-])){_END}"),  # A reset link.
)
# Local variables that hold a secret in the activation code paths, hidden in error reports.
SECRET_NAMES = frozenset({"token", "code", "code_value", "raw", "raw_token"})


def redact(text: str) -> str:
    """`text` with every activation token (in a path or a query) replaced by [redacted]."""
    if "/activat" not in text and "=" not in text and "/password/reset/" not in text:
        return text
    for pattern in PATTERNS:
        text = pattern.sub(rf"\1{MASK}", text)
    return text


def scrub(text: str, *secrets: str) -> str:
    """`text` without these exact values (a token and a code that a gateway echoed back)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return redact(text)


def secrets_of(request) -> list[str]:
    """The tokens and codes in a request's URL and Referer (kept on a redacted copy)."""
    if request is None:
        return []
    if hasattr(request, "_secrets"):
        return request._secrets
    meta = getattr(request, "META", {})
    text = (
        f"{getattr(request, 'path', '')}?{meta.get('QUERY_STRING', '')} "
        f"{meta.get('HTTP_REFERER', '')}"
    )
    found = []
    for pattern in PATTERNS:
        found += [m.group(0)[len(m.group(1)) :] for m in pattern.finditer(text)]
    return [s for s in found if s != MASK]


def redacted_request(request):
    """A shallow copy of a Django request whose path, query and headers are redacted."""
    clone = copy.copy(request)
    clone._secrets = secrets_of(request)
    clone.path = redact(request.path)
    clone.path_info = redact(request.path_info)
    clone.META = {k: redact(v) if isinstance(v, str) else v for k, v in request.META.items()}
    clone.META["QUERY_STRING"] = redact("?" + request.META.get("QUERY_STRING", ""))[1:]
    clone.GET = QueryDict(clone.META["QUERY_STRING"])
    return clone


class RedactSecrets(logging.Filter):
    """On a handler: the record's message, traceback and request are redacted before output."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        secrets = secrets_of(request) if hasattr(request, "META") else []
        message = record.getMessage()
        cleaned = scrub(message, *secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text, *secrets)
        if secrets or (request is not None and hasattr(request, "META")):
            record.request = redacted_request(request)
        return True


class ReportFilter(SafeExceptionReporterFilter):
    """Error reports (DEFAULT_EXCEPTION_REPORTER_FILTER): secrets hidden in frames and headers."""

    def get_safe_request_meta(self, request):
        secrets = secrets_of(request)
        meta = super().get_safe_request_meta(request)
        return {k: scrub(v, *secrets) if isinstance(v, str) else v for k, v in meta.items()}

    def get_traceback_frame_variables(self, request, tb_frame):
        secrets = secrets_of(request)
        cleaned = []
        for name, value in super().get_traceback_frame_variables(request, tb_frame):
            if name in SECRET_NAMES:
                value = self.cleansed_substitute
            else:
                shown = value if isinstance(value, str) else _repr(value)
                if scrub(shown, *secrets) != shown:
                    value = scrub(shown, *secrets)
            cleaned.append((name, value))
        return cleaned


class Reporter(ExceptionReporter):
    """Error reports (DEFAULT_EXCEPTION_REPORTER): the exception's message and the URL redacted."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        secrets = secrets_of(self.request)
        for key in ("exception_value", "request_insecure_uri"):
            if isinstance(data.get(key), str):
                data[key] = scrub(data[key], *secrets)
        return data


def _repr(value) -> str:
    try:
        return repr(value)
    except Exception:  # a broken __repr__ must not break the report
        return ""


try:  # gunicorn is there when serving; the rest of the portal does not need it.
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = None

if _GunicornLogger is not None:

    class GunicornLogger(_GunicornLogger):
        """gunicorn --logger-class: access and error lines redacted (request line, path, query,
        Referer and every other header atom)."""

        def setup(self, cfg):
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                if not any(isinstance(f, RedactSecrets) for f in log.filters):
                    log.addFilter(RedactSecrets())
