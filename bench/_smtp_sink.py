"""An SMTP server for the benchmarks, in a thread of the benchmark's process: it keeps only
what the checks need (each mail's Message-ID and arrival time, the number of sessions), so it
costs little beside the senders it measures, and it can hold one reply to time a kill.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections import Counter

from _loopback import free_port

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class CountingHandler:
    """aiosmtpd hooks that keep only what the checks need: each mail's Message-ID and arrival
    time, and the number of sessions. It can hold its reply to the ``hold_at``-th RCPT TO until
    ``release`` is set (``holding`` tells when it does)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: list[tuple[str, float]] = []
        self.connections = 0
        self.rcpts = 0
        self.hold_at: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.rcpts += 1
            hold = self.rcpts == self.hold_at
        if hold:  # the client now waits for this reply, its mail not yet accepted
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        headers = content.split(b"\r\n\r\n", 1)[0]
        match = MESSAGE_ID.search(headers)
        with self.lock:
            self.arrivals.append((match.group(1).decode() if match else "", time.monotonic()))
        return "250 Message accepted for delivery"


class SmtpSink:
    """An SMTP server on a free loopback port (a thread of this process) that counts mail."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.handler = CountingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        logging.getLogger("mail.log").setLevel(logging.CRITICAL)  # killed clients are expected
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.handler.release.set()
        self.controller.stop()

    def reset(self) -> None:
        with self.handler.lock:
            self.handler.arrivals.clear()
            self.handler.connections = self.handler.rcpts = 0

    @property
    def received(self) -> int:
        with self.handler.lock:
            return len(self.handler.arrivals)

    def message_ids(self) -> Counter:
        with self.handler.lock:
            return Counter(message_id for message_id, _ in self.handler.arrivals)

    def arrivals(self) -> list[tuple[str, float]]:
        """(Message-ID, time.monotonic() of arrival) of every mail, in order."""
        with self.handler.lock:
            return list(self.handler.arrivals)

    def arrival_times(self) -> list[float]:
        with self.handler.lock:
            return [moment for _, moment in self.handler.arrivals]

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.received < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True
