"""Mail helpers: one connection for many messages, and SMTP errors sorted into temporary or permanent."""

from __future__ import annotations

import logging
import smtplib
import socket
from email.mime.image import MIMEImage
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A message was not delivered. `temporary`: worth retrying later."""

    def __init__(self, reason: str, *, temporary: bool):
        super().__init__(reason)
        self.reason = reason
        self.temporary = temporary


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def classify(exc: BaseException) -> DeliveryError:
    """SMTP 4xx, refused connections and timeouts are temporary; a 5xx refusal of the recipient or
    of the message is permanent. Other 5xx (sender refused, authentication) are the server's
    configuration, retried like temporary ones so that fixing the settings recovers them."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        details = "; ".join(f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items())
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return DeliveryError(f"Mail server refused the recipient ({details})", temporary=not permanent)
    if isinstance(exc, smtplib.SMTPDataError):
        reason = f"Mail server refused the message: {exc.smtp_code} {_text(exc.smtp_error)}"
        return DeliveryError(reason, temporary=exc.smtp_code < 500)
    if isinstance(exc, smtplib.SMTPResponseException):
        return DeliveryError(f"Mail server error: {exc.smtp_code} {_text(exc.smtp_error)}", temporary=True)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryError(f"Mail server disconnected: {exc}", temporary=True)
    if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError)):
        return DeliveryError(f"Mail server unreachable: {exc}", temporary=True)
    if isinstance(exc, (OSError, smtplib.SMTPException)):
        return DeliveryError(f"Mail delivery failed: {exc}", temporary=True)
    return DeliveryError(f"Mail delivery failed: {exc.__class__.__name__}: {exc}", temporary=True)


def open_connection():
    """A connection of the configured backend, with a timeout so a hung server cannot hold a worker."""
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 30
    return get_connection(fail_silently=False, timeout=timeout)


class PortalMessage(EmailMultiAlternatives):
    """Every message the portal builds: a Message-ID on the portal's own domain, and a DKIM
    signature when the operator configured a key (DKIM_KEY_FILE, DKIM_SELECTOR, DKIM_DOMAIN)."""

    def message(self, *args, **kwargs):
        msg = super().message(*args, **kwargs)
        if "Message-ID" in msg:
            del msg["Message-ID"]
        msg["Message-ID"] = make_msgid(domain=settings.MESSAGE_ID_DOMAIN)
        if settings.DKIM_KEY_FILE and settings.DKIM_DOMAIN:
            signature = dkim_sign(msg.as_bytes(linesep="\r\n"))
            name, _, value = signature.decode().partition(":")
            msg[name] = " ".join(value.split())  # unfolded; relaxed header canonicalisation
        return msg


def dkim_sign(data: bytes) -> bytes:
    """The DKIM-Signature header line for a message's bytes (rsa-sha256, relaxed/simple)."""
    import dkim

    with open(settings.DKIM_KEY_FILE, "rb") as key:
        private_key = key.read()
    return dkim.sign(data, settings.DKIM_SELECTOR.encode(), settings.DKIM_DOMAIN.encode(), private_key,
                     canonicalize=(b"relaxed", b"simple"),
                     include_headers=[b"from", b"to", b"subject", b"date", b"message-id", b"reply-to",
                                      b"mime-version", b"content-type"])


def build_message(*, to: str, subject: str, text: str, html: str | None = None,
                  images: dict[str, bytes] | None = None, headers: dict | None = None,
                  from_email: str | None = None, reply_to: list[str] | None = None,
                  connection=None) -> EmailMultiAlternatives:
    """Plain text + HTML; `images` (content-id → PNG) become inline parts of a multipart/related,
    which mail clients show in place of `<img src="cid:...">` without fetching anything."""
    message = PortalMessage(subject=subject, body=text, from_email=from_email or settings.DEFAULT_FROM_EMAIL,
                            to=[to], headers=headers or {}, reply_to=reply_to or None, connection=connection)
    if html is not None:
        message.attach_alternative(html, "text/html")
    for cid, png in (images or {}).items():
        image = MIMEImage(png, "png")
        image.add_header("Content-ID", f"<{cid}>")
        image.add_header("Content-Disposition", "inline", filename=f"{cid.split('@')[0]}.png")
        message.attach(image)
    if images:
        message.mixed_subtype = "related"
    return message


def send(message, connection) -> None:
    """Send one message over `connection` (opened by the caller); DeliveryError when it fails."""
    try:
        sent = connection.send_messages([message])
    except Exception as exc:
        raise classify(exc) from exc
    if not sent:
        raise DeliveryError("Mail backend did not send the message", temporary=True)


def reset(connection) -> None:
    """Drop a connection that failed, so the next message opens a fresh one."""
    try:
        connection.close()
    except Exception as exc:  # noqa: BLE001 - closing a broken connection may fail too
        log.debug("Closing the mail connection failed: %s", exc)


class EmlFileBackend:
    """The embedded default's mail: one `.eml` file per message in EMAIL_FILE_PATH (var/mail/).

    Django's file backend appends several messages to one `.log`; an administrator trying the
    portal wants to open each invitation in a mail client, so each message gets its own file.
    """

    def __init__(self, fail_silently: bool = False, file_path: str | None = None, **kwargs):
        from pathlib import Path

        self.fail_silently = fail_silently
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)
        self.folder.mkdir(parents=True, exist_ok=True)

    def open(self):
        return False

    def close(self):
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_messages(self, email_messages) -> int:
        import secrets

        from django.utils import timezone

        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S-%f")
            path = self.folder / f"{stamp}-{secrets.token_hex(3)}.eml"
            try:
                path.write_bytes(message.message().as_bytes(linesep="\r\n"))
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent
