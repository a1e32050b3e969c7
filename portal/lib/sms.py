"""Sending SMS. `SMS_URL` picks the backend:

- `file:///some/folder` (the default, `var/sms/`): each message is written as a file;
- `console://`: printed on standard output;
- `http(s)://host/path`: an HTTP gateway; one JSON POST per message,
  `{"to": "+E164", "text": "..."}`, with `Authorization: Bearer <SMS_TOKEN>`.

Errors are `SmsError`, marked temporary (retry later: connection refused, timeouts, gateway 5xx,
408/425/429) or permanent (any other gateway 4xx: the gateway refused this message).
"""

from __future__ import annotations

import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib import error, request
from urllib.parse import unquote, urlsplit

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)
from django.conf import settings
from django.utils import timezone

RETRYABLE_4XX = {408, 425, 429}


@dataclass(frozen=True)
class Length:
    """An SMS text's length as the network counts it."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (an extension character such as € or { takes two) or UTF-16 code units
    segments: int

    def __str__(self) -> str:
        plural = "s" if self.segments != 1 else ""
        return f"{self.units} {self.encoding} characters, {self.segments} segment{plural}"


def sms_length(text: str) -> Length:
    """GSM-7 when every character is in the GSM 03.38 alphabet (160 per segment, 153 once
    split), else UCS-2 (70, then 67)."""
    try:
        units, encoding, single, part = len(text.encode("gsm03.38")), "GSM-7", 160, 153
    except UnicodeEncodeError:
        units, encoding, single, part = len(text.encode("utf-16-le")) // 2, "UCS-2", 70, 67
    return Length(encoding, units, 1 if units <= single else -(-units // part))


class SmsError(Exception):
    def __init__(self, reason: str, *, temporary: bool):
        super().__init__(reason)
        self.reason = reason
        self.temporary = temporary


class FileBackend:
    def __init__(self, folder: str):
        self.folder = Path(folder)

    def send(self, *, to: str, text: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = self.folder / f"{stamp}-{uuid.uuid4().hex[:12]}.txt"
            path.write_text(
                f"To: {to}\nDate: {timezone.now().isoformat()}\n\n{text}\n", encoding="utf-8"
            )
        except OSError as exc:
            raise SmsError(
                f"Cannot write the SMS to {self.folder}: {exc}", temporary=True
            ) from None


class ConsoleBackend:
    def __init__(self, stream=None):
        self.stream = stream

    def send(self, *, to: str, text: str) -> None:
        stream = self.stream or sys.stdout
        stream.write(f"SMS to {to}:\n{text}\n{'-' * 40}\n")
        stream.flush()


class HttpBackend:
    def __init__(self, url: str, token: str, timeout: float = 10.0):
        self.url = url
        self.token = token
        self.timeout = timeout

    def send(self, *, to: str, text: str) -> None:
        body = json.dumps({"to": to, "text": text}).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with request.urlopen(req, timeout=self.timeout) as response:
                response.read()
        except error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace").strip()
            reason = f"SMS gateway answered {exc.code} {exc.reason}" + (
                f": {detail}" if detail else ""
            )
            temporary = exc.code >= 500 or exc.code in RETRYABLE_4XX
            raise SmsError(reason, temporary=temporary) from None
        except (error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            why = getattr(exc, "reason", exc)
            raise SmsError(f"SMS gateway unreachable: {why}", temporary=True) from None


def get_backend(url: str | None = None):
    url = url or settings.SMS_URL
    parts = urlsplit(url)
    if parts.scheme == "file":
        return FileBackend(unquote(parts.path) or str(Path(settings.VAR_DIR) / "sms"))
    if parts.scheme == "console":
        return ConsoleBackend()
    if parts.scheme in {"http", "https"}:
        return HttpBackend(url, settings.SMS_TOKEN)
    raise SmsError(f"SMS_URL has an unknown scheme: {url!r}", temporary=False)


def send_sms(*, to: str, text: str, backend=None) -> None:
    (backend or get_backend()).send(to=to, text=text)
