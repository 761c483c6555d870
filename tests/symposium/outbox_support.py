"""What the outbox tests share: queuing mails, delivering a batch, reading the rows back, the
keys the SMTP server received, and a ``flask outbox send`` process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from symposium import db
from symposium.mailers import mailer_for, message_id_for
from symposium.models import OutboxMessage
from symposium.outbox import queue_mail
from symposium.outbox_delivery import deliver_batch

REPO = Path(__file__).resolve().parents[2]
SENDER = "symposium@localhost"


def queue_mails(session, count: int, prefix: str = "test") -> list[str]:
    """Queue and commit ``count`` mails, each to its own recipient; return their keys."""
    keys = [f"{prefix}:{number}" for number in range(count)]
    for number, key in enumerate(keys):
        queue_mail(session, key, f"person{number}@example.org", f"Mail {number}", f"Body {key}")
    session.commit()
    return keys


def use_smtp(app, server) -> None:
    app.config.update(MAIL_BACKEND="smtp", MAIL_HOST=server.host, MAIL_PORT=server.port)


def deliver(app, **options):
    """One batch, configured as ``flask outbox send`` configures it."""
    sessions = db.database(app).sessionmaker
    options.setdefault("max_attempts", app.config["MAIL_MAX_ATTEMPTS"])
    return deliver_batch(sessions, lambda: mailer_for(app.config), **options)


def rows(session) -> dict[str, OutboxMessage]:
    """Every outbox row by idempotency key, as the database has it now."""
    session.expire_all()
    return {m.idempotency_key: m for m in session.scalars(sa.select(OutboxMessage))}


def count(engine, status: str) -> int:
    with engine.connect() as connection:
        query = sa.select(sa.func.count()).where(OutboxMessage.status == status)
        return connection.scalar(query.select_from(OutboxMessage))


def received_keys(server) -> Counter:
    """How often each Message-ID (so each idempotency key) reached the server."""
    return Counter(message["Message-ID"] for message in server.messages)


def expected_keys(keys) -> Counter:
    return Counter({message_id_for(key, SENDER): 1 for key in keys})


def start_worker(database_url, server, tmp_path, *options) -> subprocess.Popen:
    """``flask outbox send …`` in a process of its own, on the test's database and server."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "x",
        "MAIL_BACKEND": "smtp",
        "MAIL_HOST": server.host,
        "MAIL_PORT": str(server.port),
        "MAIL_FILE_DIR": str(tmp_path / "mail"),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send", *options]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
