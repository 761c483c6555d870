"""Mail backends: SMTP (one connection per batch) and files (``.eml`` in the instance folder)."""

from __future__ import annotations

import base64
import hashlib
import re
import smtplib
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any, Protocol


def message_id_for(key: str, sender: str) -> str:
    """The Message-ID of the mail with idempotency key ``key``: the same on every attempt, so a
    mail client can tell a resent copy from a new mail."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<{digest}@{domain}>"


class MailRow(Protocol):
    """What a mailer reads of an outbox mail: an ``OutboxMessage``, or the copy a worker's
    claim read back (``outbox_delivery.ClaimedMail``)."""

    id: int
    idempotency_key: str
    recipient: str
    subject: str
    body: str
    attachments: list[dict]


def build_email(message: MailRow, sender: str) -> EmailMessage:
    """The MIME message of an outbox row; its Message-ID follows from the idempotency key."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id_for(message.idempotency_key, sender)
    email.set_content(message.body)
    for attachment in message.attachments or []:
        maintype, _, subtype = attachment["content_type"].partition("/")
        email.add_attachment(
            base64.b64decode(attachment["data"]),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment["filename"],
        )
    return email


def _nothing() -> None:
    return None


class Mailer(Protocol):
    """Sends outbox rows. ``before_data`` runs once the mail is ready to go but before the
    server can accept it (for SMTP: after the envelope, before DATA); if it raises, the mail
    is not sent."""

    def __enter__(self) -> Mailer: ...
    def __exit__(self, *exc: object) -> None: ...
    def send(self, message: MailRow, before_data: Callable[[], None] = _nothing) -> None: ...


class _HookBeforeData:
    """smtplib's client with a hook between the envelope (MAIL FROM, RCPT TO, answered) and
    the DATA command, the one point after which the server may accept the mail."""

    before_data: Callable[[], None] = staticmethod(_nothing)

    def data(self, msg: bytes | str) -> tuple[int, bytes]:
        self.before_data()
        return super().data(msg)  # type: ignore[misc]


class _SMTP(_HookBeforeData, smtplib.SMTP):
    pass


class _SMTPOverSSL(_HookBeforeData, smtplib.SMTP_SSL):
    pass


class SmtpMailer:
    """Sends over one SMTP connection, opened for a batch and closed after it."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self.connection: _SMTP | _SMTPOverSSL | None = None

    def __enter__(self) -> SmtpMailer:
        config = self.config
        factory = _SMTPOverSSL if config["MAIL_USE_SSL"] else _SMTP
        self.connection = factory(config["MAIL_HOST"], config["MAIL_PORT"], timeout=30)
        if config["MAIL_USE_STARTTLS"] and not config["MAIL_USE_SSL"]:
            self.connection.starttls()
        if config.get("MAIL_USERNAME"):
            self.connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except OSError:  # SMTPException too: the server went away; nothing left to say
                self.connection.close()
            self.connection = None

    def send(self, message: MailRow, before_data: Callable[[], None] = _nothing) -> None:
        connection = self.connection
        assert connection is not None, "use the mailer as a context manager"
        connection.before_data = before_data
        try:
            connection.send_message(build_email(message, self.config["MAIL_SENDER"]))
        finally:
            connection.before_data = _nothing


class FileMailer:
    """Writes each mail to ``<dir>/<id>-<key>.eml`` (the embedded default; no server needed)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.folder = Path(config["MAIL_FILE_DIR"])
        self.sender = config["MAIL_SENDER"]

    def __enter__(self) -> FileMailer:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: MailRow, before_data: Callable[[], None] = _nothing) -> None:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", message.idempotency_key)[:120]
        target = self.folder / f"{message.id:08d}-{name}.eml"
        partial = target.with_suffix(".part")
        content = bytes(build_email(message, self.sender))
        before_data()
        partial.write_bytes(content)
        partial.replace(target)  # atomic: a reader never sees half a mail


def mailer_for(config: Mapping[str, Any]) -> Mailer:
    """The mailer the configuration asks for (``MAIL_BACKEND``: ``smtp`` or ``file``)."""
    backend = config["MAIL_BACKEND"]
    if backend == "smtp":
        return SmtpMailer(config)
    if backend == "file":
        return FileMailer(config)
    raise ValueError(f"Unknown MAIL_BACKEND {backend!r}: use smtp or file.")


def _reply_text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def describe_error(error: Exception) -> str:
    """The server's reply (``550 5.1.1 No such user``) or the error, as an organiser reads it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {_reply_text(reply)} ({recipient})"
            for recipient, (code, reply) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_reply_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def is_permanent(error: Exception) -> bool:
    """Whether the server refused the mail for good (a 5xx reply): retrying would repeat it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return False


def breaks_connection(error: Exception) -> bool:
    """Whether the error leaves the mailer unusable, so the rest of its batch should wait.

    A reply about one mail (refused recipient, rejected data) leaves the SMTP session usable;
    a dropped connection, a timeout, a 421 (server closing) or a full disk does not.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    return isinstance(error, OSError)
