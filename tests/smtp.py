"""A real SMTP server in the test process (aiosmtpd) that records what it receives.

Tests send to it over a real socket with the application's own mailer, so what they check is
what a mail server would have seen: envelopes, parsed messages and connections.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class ReceivedMessage(EmailMessage):
    """A received mail, parsed, with the envelope it came in."""

    envelope_from: str = ""
    envelope_recipients: list[str]


class RecordingHandler:
    """aiosmtpd hooks: record every mail, refuse chosen recipients, count sessions."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.messages: list[ReceivedMessage] = []
        self.connections = 0
        self.refusals: dict[str, str] = {}

    def _count_session(self, session: Any) -> None:
        # One SMTP session per connection; a client greets once per session (without TLS).
        if not getattr(session, "counted", False):
            session.counted = True
            with self.condition:
                self.connections += 1

    async def handle_HELO(self, server, session, envelope, hostname):
        self._count_session(session)
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self._count_session(session)
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.condition:
            refusal = self.refusals.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.original_content or envelope.content,
            _class=ReceivedMessage,
            policy=email.policy.default,
        )
        message.envelope_from = envelope.mail_from
        message.envelope_recipients = list(envelope.rcpt_tos)
        with self.condition:
            self.messages.append(message)
            self.condition.notify_all()
        return "250 Message accepted for delivery"


class SmtpServer:
    """The running server: where it listens and what it has received so far."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.handler = RecordingHandler()
        # Port 0 is not possible: the controller connects to its port to check it is up.
        self.controller = Controller(self.handler, hostname=host, port=_free_port(host))
        self.host = host

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def messages(self) -> list[ReceivedMessage]:
        """The mails received so far, in order (a copy, safe to keep)."""
        with self.handler.condition:
            return list(self.handler.messages)

    @property
    def connections(self) -> int:
        """How many SMTP sessions clients have opened (the controller's own check excluded)."""
        with self.handler.condition:
            return self.handler.connections

    def recipients(self) -> list[str]:
        """Every envelope recipient of every mail received, in order."""
        return [rcpt for message in self.messages for rcpt in message.envelope_recipients]

    def reject(self, recipient: str, reply: str = "550 5.1.1 Mailbox unavailable") -> None:
        """Answer ``reply`` (a 550 by default, or e.g. a 451) to RCPT TO for ``recipient``."""
        with self.handler.condition:
            self.handler.refusals[recipient.lower()] = reply

    def accept(self, recipient: str) -> None:
        """Accept ``recipient`` again after ``reject``."""
        with self.handler.condition:
            self.handler.refusals.pop(recipient.lower(), None)

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until at least ``count`` mails have arrived; False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        with self.handler.condition:
            while len(self.handler.messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.handler.condition.wait(remaining)
            return True

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
