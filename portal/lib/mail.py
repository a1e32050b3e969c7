"""Mail helpers: one connection for many messages, and SMTP
errors sorted into temporary or permanent."""

from __future__ import annotations

import atexit
import base64
import logging
import re
import secrets
import smtplib
import socket
import threading
from email.header import Header
from email.mime.image import MIMEImage
from email.utils import formatdate, make_msgid
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as DjangoSmtpBackend
from django.core.mail.message import sanitize_address

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
        details = "; ".join(
            f"{rcpt}: {code} {_text(msg)}" for rcpt, (code, msg) in exc.recipients.items()
        )
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return DeliveryError(
            f"Mail server refused the recipient ({details})", temporary=not permanent
        )
    if isinstance(exc, smtplib.SMTPDataError):
        reason = f"Mail server refused the message: {exc.smtp_code} {_text(exc.smtp_error)}"
        return DeliveryError(reason, temporary=exc.smtp_code < 500)
    if isinstance(exc, smtplib.SMTPResponseException):
        return DeliveryError(
            f"Mail server error: {exc.smtp_code} {_text(exc.smtp_error)}", temporary=True
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return DeliveryError(f"Mail server disconnected: {exc}", temporary=True)
    if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError)):
        return DeliveryError(f"Mail server unreachable: {exc}", temporary=True)
    if isinstance(exc, (OSError, smtplib.SMTPException)):
        return DeliveryError(f"Mail delivery failed: {exc}", temporary=True)
    return DeliveryError(f"Mail delivery failed: {exc.__class__.__name__}: {exc}", temporary=True)


def open_connection():
    """A connection of the configured backend, with a
    timeout so a hung server cannot hold a worker."""
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 30
    return get_connection(fail_silently=False, timeout=timeout)


def dkim_sign(data: bytes) -> bytes:
    """The DKIM-Signature header line (CRLF-terminated) for a message's bytes with CRLF line
    ends, as it goes over SMTP (rsa-sha256, relaxed/simple). The operator's key: DKIM_KEY_FILE,
    DKIM_SELECTOR, DKIM_DOMAIN; every message the portal writes is signed when they are set."""
    import dkim

    with open(settings.DKIM_KEY_FILE, "rb") as key:
        private_key = key.read()
    return dkim.sign(
        data,
        settings.DKIM_SELECTOR.encode(),
        settings.DKIM_DOMAIN.encode(),
        private_key,
        canonicalize=(b"relaxed", b"simple"),
        include_headers=[
            b"from",
            b"to",
            b"subject",
            b"date",
            b"message-id",
            b"reply-to",
            b"mime-version",
            b"content-type",
        ],
    )


def build_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    images: dict[str, bytes] | None = None,
    headers: dict | None = None,
    from_email: str | None = None,
    reply_to: list[str] | None = None,
    connection=None,
) -> EmailMultiAlternatives:
    """Plain text + HTML; `images` (content-id → PNG) become inline parts of a multipart/related,
    which mail clients show in place of `<img src="cid:...">` without fetching anything."""
    message = DirectMessage(
        subject=subject,
        body=text,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
        reply_to=reply_to or None,
        connection=connection,
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    message.images = dict(images or {})
    if images:
        message.mixed_subtype = "related"
    return message


class DirectMessage(EmailMultiAlternatives):
    """An email of `build_message`'s shape whose MIME text is written directly: the email
    package's generator (header folding, boundary checks) costs ~1 ms a message, as much as
    sending it. `message()` gives that text to the mail backends (`as_bytes`, `as_string`);
    anything else asked of it is answered by Django's own MIME message."""

    images: dict[str, bytes] = {}
    _images_attached = False

    def message(self):
        return _Written(self)

    def mime(self):
        """Django's MIME message of this email, its images attached as inline parts (only
        then: `_write` writes them itself)."""
        if not self._images_attached:
            self._images_attached = True
            for cid, png in self.images.items():
                image = MIMEImage(png, "png")
                image.add_header("Content-ID", f"<{cid}>")
                name = f"{cid.split('@')[0]}.png"
                image.add_header("Content-Disposition", "inline", filename=name)
                self.attach(image)
        return super().message()


class _Written:
    def __init__(self, email: DirectMessage):
        self.email = email
        self._bytes: dict[str, bytes] = {}

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n", **_kwargs) -> bytes:
        if linesep not in self._bytes:
            if "\r\n" not in self._bytes:
                data = _write(self.email, b"\r\n")
                if settings.DKIM_KEY_FILE and settings.DKIM_DOMAIN:
                    data = dkim_sign(data) + data
                self._bytes["\r\n"] = data
            self._bytes[linesep] = self._bytes["\r\n"].replace(b"\r\n", linesep.encode())
        return self._bytes[linesep]

    def as_string(self, unixfrom: bool = False, linesep: str = "\n", **_kwargs) -> str:
        return self.as_bytes(linesep=linesep).decode("utf-8")

    def __getattr__(self, name):
        return getattr(self.__dict__.setdefault("_mime", self.email.mime()), name)

    def __getitem__(self, name):
        return self.__getattr__("__getitem__")(name)


# A plain address (dot-atom local part, ASCII host name): sanitize_address gives it back as it is.
_PLAIN = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*"
)


def _sanitized(value: str, encoding: str) -> str:
    if value.__class__ is str and len(value) < 254 and _PLAIN.fullmatch(value):
        return value  # each invitation's recipient: parsing it costs ~40 µs
    return _parsed(value, encoding)


@lru_cache(maxsize=4096)
def _parsed(value: str, encoding: str) -> str:
    return sanitize_address(value, encoding)


def _address(value: str) -> bytes:
    return _sanitized(value, "utf-8").encode("ascii")


def _quoted(address: str) -> str:
    """smtplib's `quoteaddr`: "<address>" for the envelope (it parses every address again)."""
    if address.__class__ is str and len(address) < 254 and _PLAIN.fullmatch(address):
        return f"<{address}>"
    return _quoted_parsed(address)


@lru_cache(maxsize=1024)
def _quoted_parsed(address: str) -> str:
    return smtplib.quoteaddr(address)


class _QuickEnvelope:
    """smtplib's MAIL FROM and RCPT TO (the same commands), the addresses quoted by `_quoted`."""

    def mail(self, sender, options=()):
        if any(option.lower() == "smtputf8" for option in options):
            return super().mail(sender, options)
        optionlist = " " + " ".join(options) if options and self.does_esmtp else ""
        self.putcmd("mail", f"FROM:{_quoted(sender)}{optionlist}")
        return self.getreply()

    def rcpt(self, recip, options=()):
        optionlist = " " + " ".join(options) if options and self.does_esmtp else ""
        self.putcmd("rcpt", f"TO:{_quoted(recip)}{optionlist}")
        return self.getreply()


class _SMTP(_QuickEnvelope, smtplib.SMTP):
    pass


class _SMTP_SSL(_QuickEnvelope, smtplib.SMTP_SSL):
    pass


class SmtpBackend(DjangoSmtpBackend):
    """Django's SMTP backend (EMAIL_URL smtp://…), with each envelope address checked once:
    Django's `sanitize_address` parses the sender and every recipient of every message with the
    email package (~0.3 ms a message)."""

    @property
    def connection_class(self):
        return _SMTP_SSL if self.use_ssl else _SMTP

    def _send(self, email_message):
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = _sanitized(email_message.from_email, encoding)
        recipients = [_sanitized(address, encoding) for address in email_message.recipients()]
        message = email_message.message()
        try:
            self.connection.sendmail(from_email, recipients, message.as_bytes(linesep="\r\n"))
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True


def _header(value: str) -> bytes:
    value = " ".join(value.split())  # one line, whatever it was given
    if value.isascii() and len(value) < 900:
        return value.encode("ascii")
    return Header(value, "utf-8").encode().encode("ascii")


def _text_part(content_type: str, text: str, eol: bytes) -> list[bytes]:
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    head = [b"Content-Type: " + content_type.encode() + b'; charset="utf-8"']
    if max(map(len, data.split(b"\n"))) > 900:
        body = base64.encodebytes(data).replace(b"\n", eol)
        return head + [b"Content-Transfer-Encoding: base64", b"", body.rstrip(eol)]
    encoding = b"7bit" if data.isascii() else b"8bit"
    return head + [b"Content-Transfer-Encoding: " + encoding, b"", data.replace(b"\n", eol)]


def _write(email: DirectMessage, eol: bytes) -> bytes:
    """The MIME text of `email`: multipart/related (when it has images) of a
    multipart/alternative (text, HTML when given) and the images."""
    lines = [
        b"Subject: " + _header(email.subject),
        b"From: " + _address(email.extra_headers.get("From", email.from_email)),
        b"To: " + b", ".join(_address(a) for a in email.to),
    ]
    if email.cc:
        lines.append(b"Cc: " + b", ".join(_address(a) for a in email.cc))
    if email.reply_to:
        lines.append(b"Reply-To: " + b", ".join(_address(a) for a in email.reply_to))
    names = {name.lower() for name in email.extra_headers}
    if "date" not in names:
        lines.append(b"Date: " + formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode())
    if "message-id" not in names:
        lines.append(b"Message-ID: " + make_msgid(domain=settings.MESSAGE_ID_DOMAIN).encode())
    for name, value in email.extra_headers.items():
        if name.lower() not in {"from", "to", "cc", "reply-to"}:
            lines.append(name.encode("ascii") + b": " + _header(str(value)))
    lines.append(b"MIME-Version: 1.0")
    text = _text_part("text/plain", email.body, eol)
    html = [content for content, mimetype in email.alternatives if mimetype == "text/html"]
    if html:
        inner = secrets.token_hex(16).encode()
        body = [
            b'Content-Type: multipart/alternative; boundary="' + inner + b'"',
            b"",
            b"--" + inner,
            *text,
            b"--" + inner,
            *_text_part("text/html", html[0], eol),
            b"--" + inner + b"--",
        ]
    else:
        body = text
    if not email.images:
        return eol.join(lines + body) + eol
    outer = secrets.token_hex(16).encode()
    lines += [
        b'Content-Type: multipart/related; boundary="' + outer + b'"',
        b"",
        b"--" + outer,
        *body,
    ]
    for cid, png in email.images.items():
        name = cid.split("@")[0].encode("ascii")
        lines += [
            b"--" + outer,
            b"Content-Type: image/png",
            b"Content-Transfer-Encoding: base64",
            b"Content-ID: <" + cid.encode("ascii") + b">",
            b'Content-Disposition: inline; filename="' + name + b'.png"',
            b"",
            base64.encodebytes(png).replace(b"\n", eol).rstrip(eol),
        ]
    lines.append(b"--" + outer + b"--")
    return eol.join(lines) + eol


_kept = threading.local()


def _transport() -> tuple:
    """What a kept connection was opened for: another backend or server means another one."""
    return tuple(
        getattr(settings, name, None)
        for name in (
            "EMAIL_BACKEND",
            "EMAIL_HOST",
            "EMAIL_PORT",
            "EMAIL_HOST_USER",
            "EMAIL_HOST_PASSWORD",
            "EMAIL_USE_TLS",
            "EMAIL_USE_SSL",
            "EMAIL_TIMEOUT",
            "EMAIL_FILE_PATH",
        )
    )


def kept_connection():
    """This worker's connection to the mail server, opened once and reused by every task the
    worker runs (one per thread): (connection, whether it was opened just now). A failed send
    drops it (`drop_kept`); the next call opens a new one."""
    transport = _transport()
    held = getattr(_kept, "held", None)
    if held is not None and held[0] == transport:
        return held[1], False
    drop_kept()
    connection = open_connection()
    connection.open()
    _kept.held = (transport, connection)
    return connection, True


def drop_kept() -> None:
    held = getattr(_kept, "held", None)
    _kept.held = None
    if held is not None:
        reset(held[1])


def went_stale(exc: BaseException) -> bool:
    """Whether a kept connection failed because the server closed it meanwhile (an idle
    timeout, a restart): the message was not taken, and a new connection may send it at once."""
    return isinstance(exc, (smtplib.SMTPServerDisconnected, ConnectionError))


atexit.register(drop_kept)


def send(message, connection) -> None:
    """Send one message over `connection` (opened by the caller); DeliveryError when it fails."""
    try:
        sent = connection.send_messages([message])
    except Exception as exc:
        raise classify(exc) from exc
    if not sent:
        raise DeliveryError("Mail backend did not send the message", temporary=True)


_PERIODS = re.compile(rb"(?m)^\.")  # smtplib's dot-stuffing of the message text


class Outgoing:
    """Messages sent one after the other over this worker's kept connection, each one's final
    reply read only when the caller comes back for it (`collect`, before the next `start`): while
    the server takes in a message's text and answers, the caller prepares the next one instead of
    waiting. The same commands and bytes as `smtplib.sendmail`; when the server offers PIPELINING
    (RFC 2920) a message's MAIL, RCPT and DATA go out together, their replies read after.

    Every outcome is the message's own: `start` raises DeliveryError for what the server refused
    before taking the text (sender, recipient, DATA), `collect` returns the error of the message
    whose text it took (its final reply, or the connection lost before it: unknown, temporary).
    A backend other than SMTP (files, memory, console) sends in `start` itself (`deliver`)."""

    def __init__(self):
        self.pending = False  # a message's text went out; its final reply is not read yet

    def start(self, message) -> None:
        """Send `message` up to its text; `collect` must come first when one is pending."""
        assert not self.pending, "collect the previous message's reply first"
        while True:
            try:
                backend, fresh = kept_connection()
            except Exception as exc:
                drop_kept()
                raise classify(exc) from exc
            if not isinstance(backend, DjangoSmtpBackend):
                _deliver_over(message, backend, fresh)
                return
            try:
                self._start(message, backend)
                self.pending = True
                return
            except Exception as exc:
                if _broken(exc, backend):
                    drop_kept()
                    if not fresh and went_stale(exc):
                        continue  # closed while idle: nothing was taken, once more on a new one
                raise classify(exc) from exc

    def collect(self) -> DeliveryError | None:
        """The final reply of the message `start` sent: None when it was taken."""
        if not self.pending:
            return None
        self.pending = False
        held = getattr(_kept, "held", None)
        smtp = held[1].connection if held is not None else None
        try:
            if smtp is None:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            code, reply = smtp.getreply()
            if code != 250:
                if code == 421:
                    smtp.close()
                else:
                    smtp._rset()
                raise smtplib.SMTPDataError(code, reply)
        except Exception as exc:
            if _broken(exc, held[1] if held is not None else None):
                drop_kept()
            return classify(exc)
        return None

    def _start(self, message, backend) -> None:
        smtp = backend.connection
        if smtp is None or smtp.sock is None:
            raise smtplib.SMTPServerDisconnected("please run connect() first")
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = _sanitized(message.from_email, encoding)
        recipients = [_sanitized(address, encoding) for address in message.recipients()]
        if not recipients:
            raise DeliveryError("Mail backend did not send the message", temporary=True)
        data = message.message().as_bytes(linesep="\r\n")
        smtp.ehlo_or_helo_if_needed()
        options = [f"size={len(data)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
        if smtp.does_esmtp and smtp.has_extn("pipelining"):
            replies = _pipelined(smtp, sender, options, recipients)
        else:
            replies = None
        code, reply = replies.pop(0) if replies else smtp.mail(sender, options)
        refused = {}
        if code == 250:
            for recipient in recipients:
                rcode, rreply = replies.pop(0) if replies else smtp.rcpt(recipient)
                if rcode not in (250, 251):
                    refused[recipient] = (rcode, rreply)
                if rcode == 421:
                    break
        elif replies:
            replies = replies[-1:]  # the RCPT's answers to a refused MAIL say nothing more
        if replies:
            dcode, dreply = replies.pop()
        else:
            dcode, dreply = (None, b"")
        if code != 250:
            _abandon(smtp, code, dcode)
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        if any(rcode == 421 for rcode, _r in refused.values()):
            smtp.close()
            raise smtplib.SMTPRecipientsRefused(refused)
        if len(refused) == len(recipients):
            _abandon(smtp, 0, dcode)
            raise smtplib.SMTPRecipientsRefused(refused)
        if dcode is None:
            smtp.putcmd("data")
            dcode, dreply = smtp.getreply()
        if dcode != 354:
            if dcode == 421:
                smtp.close()
            else:
                smtp._rset()
            raise smtplib.SMTPDataError(dcode, dreply)
        text = _PERIODS.sub(b"..", data)
        if text[-2:] != b"\r\n":
            text += b"\r\n"
        smtp.send(text + b".\r\n")


def _pipelined(smtp, sender: str, options: list[str], recipients: list[str]) -> list:
    """MAIL, every RCPT and DATA written at once (the server offers PIPELINING), then their
    replies, in order."""
    optionlist = (" " + " ".join(options)) if options else ""
    commands = [f"MAIL FROM:{_quoted(sender)}{optionlist}"]
    commands += [f"RCPT TO:{_quoted(recipient)}" for recipient in recipients]
    commands.append("DATA")
    for command in commands:
        if "\r" in command or "\n" in command:
            raise ValueError("command contains prohibited newline characters")
    smtp.send("".join(command + "\r\n" for command in commands).encode(smtp.command_encoding))
    return [smtp.getreply() for _command in commands]


def _abandon(smtp, code: int, data_code: int | None) -> None:
    """After a refused sender or every recipient refused: a DATA the server accepted anyway gets
    an empty text (RFC 2920), then the transaction is reset (the connection closed on a 421)."""
    if code == 421 or data_code == 421:
        smtp.close()
        return
    if data_code == 354:
        smtp.send(b".\r\n")
        smtp.getreply()
    smtp._rset()


_REFUSALS = (smtplib.SMTPSenderRefused, smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)


def _broken(exc: BaseException, backend) -> bool:
    """Whether the connection is unusable after `exc`: anything but a refusal the server answered
    on a connection still open (a 421 closes it)."""
    smtp = getattr(backend, "connection", None)
    return not isinstance(exc, _REFUSALS) or smtp is None or smtp.sock is None


def _deliver_over(message, backend, fresh: bool) -> None:
    """`emails.deliver` for a backend that is not SMTP: sent at once."""
    try:
        send(message, backend)
    except DeliveryError as error:
        drop_kept()
        raise error


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
