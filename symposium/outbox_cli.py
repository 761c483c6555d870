"""``flask outbox …``: the worker that delivers queued mail, and a look at the queue."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
from collections.abc import Callable

import click
from flask import current_app
from flask.cli import AppGroup

from symposium import db
from symposium.mailers import mailer_for
from symposium.outbox import status_counts
from symposium.outbox_delivery import DeliveryReport, deliver_batch

outbox_cli = AppGroup("outbox", help="Deliver queued mail and see where the outbox stands.")


def _stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    """Set ``stop`` on SIGTERM or Ctrl-C instead of dying mid-mail; return the undo.

    The handler itself does nothing: the signal's number reaches a pipe (``set_wakeup_fd``,
    written by the interpreter's C handler) and a helper thread sets ``stop``. Setting it in
    the handler would take the event's lock in the main thread, which deadlocks when the
    signal lands while the main thread holds that lock inside ``stop.wait()``.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # only the main thread may install handlers
    signals = (signal.SIGTERM, signal.SIGINT)
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    previous_fd = signal.set_wakeup_fd(write_end)
    previous = {number: signal.getsignal(number) for number in signals}
    for number in signals:
        signal.signal(number, lambda *_: None)

    def watch() -> None:
        while received := os.read(read_end, 64):  # b"" once the write end is closed
            if any(number in signals for number in received):
                stop.set()

    watcher = threading.Thread(target=watch, name="outbox-signals", daemon=True)
    watcher.start()

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(previous_fd)
        os.close(write_end)
        watcher.join()
        os.close(read_end)

    return restore


def _summary(report: DeliveryReport) -> str:
    text = f"{report.sent} sent, {report.retrying} to retry, {report.failed} failed"
    if report.released:
        text += f", {report.released} handed back unsent"
    return text


@outbox_cli.command("send")
@click.option(
    "--loop",
    is_flag=True,
    help="Keep running and poll for due mail until stopped (SIGTERM or Ctrl-C).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="Seconds to wait between polls when no mail is due (with --loop).",
)
@click.option(
    "--batch",
    "batch_size",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Mails claimed at a time and sent over one connection (claiming them and connecting "
    "cost about as much as sending 3 mails; a worker killed mid-batch leaves up to this many "
    "mails until its lease runs out).",
)
@click.option(
    "--lease-seconds",
    type=click.FloatRange(min=0),
    default=600.0,
    show_default=True,
    help="How long a claim on a mail lasts (renewed before a mail once half of it has passed) "
    "before another worker may take over a mail that a dead worker claimed; keep it well above "
    "the SMTP timeout (30 s). 0 takes such mails over at once: use it only when no other "
    "worker runs.",
)
@click.option(
    "--pause-ms",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Milliseconds to wait between two mails (to go easy on a rate-limited server).",
)
def send(loop: bool, interval: float, batch_size: int, lease_seconds: float, pause_ms: int) -> None:
    """Deliver due mail: until none is due, or for as long as it runs with --loop.

    On SIGTERM or Ctrl-C the worker finishes the mail in hand, hands the rest of its batch
    back to the queue and exits.
    """
    config = current_app.config
    stop = threading.Event()
    restore_signals = _stop_on_signals(stop)
    if loop:
        click.echo(f"Delivering mail, polling every {interval:g} s until stopped.")
    totals = DeliveryReport()
    try:
        while not stop.is_set():
            # deliver_batch holds one connection for the batch's outcomes (from the pool for
            # every mail, each would cost a round trip more: the pool's liveness ping).
            report = deliver_batch(
                db.database().sessionmaker,
                lambda: mailer_for(config),
                batch_size=batch_size,
                lease=dt.timedelta(seconds=lease_seconds),
                max_attempts=config["MAIL_MAX_ATTEMPTS"],
                pause=pause_ms / 1000,
                stop=stop,
            )
            totals.add(report)
            if report.claimed:
                click.echo(f"Batch of {report.claimed}: {_summary(report)}.")
            elif loop:
                stop.wait(interval)
            else:
                break
    finally:
        restore_signals()
    click.echo(f"Done: {_summary(totals)}.")


@outbox_cli.command("status")
def status() -> None:
    """Print how many mails are in each status."""
    with db.database().sessionmaker() as session:
        counts = status_counts(session)
    for name, count in counts.items():
        click.echo(f"{name:<8} {count:>6}")
