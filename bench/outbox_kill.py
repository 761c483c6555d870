"""Kill -9 an outbox worker in the middle of 10,000 mails and start it again: every mail must
arrive, none twice. And the worker's delivery rate against plain ``smtplib`` sending the same
messages over one connection, measured in the same run against the same SMTP sink.

The mails are queued in rounds (5 of 2,000 by default). In each round plain smtplib sends the
round's mails, then the worker sends them; after the last round smtplib sends once more. Each
worker run is compared with the mean of the smtplib runs just before and just after it, and
the figure is the median of those ratios: the machine's speed drifts by a third within
minutes, and the rounds keep each comparison within seconds (one smtplib run before 10,000
mails and one after them gave ratios 69-87% for the same code). Every ratio is printed.
smtplib builds each mail with the app's ``build_email`` and sends it; a second figure compares
with sending mails built beforehand, the bare transport (in the first round).

The kill lands mid-batch and mid-mail, in the middle round: the sink holds its reply to the
RCPT TO of a mail in the middle of a batch, so the worker has claimed its batch, sent half of
it and opened the SMTP transaction of the next mail when SIGKILL arrives. (Not inside the
one window the outbox documents — after the server accepted a mail, before "sent" is
committed — where a resend is the designed outcome; see symposium/outbox.py.) The worker is
started again once the dead worker's claims are older than the restarted one's lease, as a
supervisor would restart it; the lease is 2 s here (not the default 10 minutes), so the run
does not wait, and with a lease above zero the worker renews a claim only when it is old.

Rates are counted at the sink, from the first to the last mail of each run of sending, so
process start-up, the held reply and the restart do not count. Exits 1 if a mail is lost or
arrives twice. Target (../shared/BENCHMARKS.md): outbox ≥ 80% of plain smtplib.

    python bench/outbox_kill.py                                 # 10,000 mails, both databases
    python bench/outbox_kill.py --mails 2000 --databases sqlite
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import smtplib
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import _loopback as lb
import sqlalchemy as sa
from _smtp_sink import SmtpSink

SENDER = "symposium@localhost"
RESTART_LEASE = 2  # seconds: the restarted worker's --lease-seconds
BODY = "\n".join(
    [
        "Dear participant,",
        "",
        "You are registered for Digital skills for MSMEs.",
        "",
        "Dates: Tuesday 23 – Wednesday 24 March 2027 (America/Lima)",
        "  Day 1 starts 09:00 America/Lima = Tue 23 Mar 22:00 your time (Asia/Singapore)",
        "  Day 2 starts 09:00 America/Lima = Wed 24 Mar 22:00 your time (Asia/Singapore)",
        "Join on Zoom: https://zoom.example/j/123456789",
        "",
        "See, change or cancel your registration with your personal link:",
        "https://symposium.example.org/registration/" + "x" * 43,
        "",
        "With kind regards,\nAna Pérez\nana@example.org",
    ]
)  # about the size of a registration confirmation


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--databases", default="postgresql,sqlite", help="comma-separated")
    parser.add_argument("--rounds", type=int, default=5, help="smtplib, then the worker, each")
    parser.add_argument("--batch", type=int, default=200, help="the worker's --batch")
    parser.add_argument(
        "--plain-smtplib",
        nargs=4,
        metavar=("URL", "PORT", "HOW", "START:STOP"),
        help=argparse.SUPPRESS,
    )
    return parser.parse_args()


def queue(url: str, folder: Path, numbers: range) -> None:
    """Queue the mails ``numbers`` with the app's own ``queue_mail``, a thousand per
    transaction."""
    from symposium import create_app, db
    from symposium.outbox import queue_mail

    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": lb.SECRET_KEY, "MAIL_FILE_DIR": str(folder)}
    )
    try:
        with app.app_context(), db.database(app).sessionmaker() as session:
            for number in numbers:
                recipient = f"person{number}@example.org"
                queue_mail(session, f"bench:{number}", recipient, f"Registration {number}", BODY)
                if number % 1000 == 999:
                    session.commit()
            session.commit()
    finally:
        db.database(app).engine.dispose()


def plain_smtplib(url: str, port: int, numbers: range, prebuilt: bool) -> None:
    """(Child process) the baseline: the mails ``numbers`` (a round's, queued in order) over
    one plain smtplib connection, each built with the app's ``build_email`` as it goes, or all
    built before the first is sent."""
    from sqlalchemy.orm import Session

    from symposium.db import make_engine
    from symposium.mailers import build_email
    from symposium.models import OutboxMessage

    engine = make_engine(url)
    with Session(engine) as session:
        query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        rows = list(session.scalars(query.offset(numbers.start).limit(len(numbers))))
    engine.dispose()
    messages = [build_email(row, SENDER) for row in rows] if prebuilt else rows
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as connection:
        for message in messages:
            connection.send_message(message if prebuilt else build_email(message, SENDER))


def rate(arrivals: list[float]) -> tuple[float, float]:
    """Mails per second over runs of sending (a pause of over a second splits runs), and the
    seconds spent sending."""
    seconds, start = 0.0, arrivals[0]
    for before, after in itertools.pairwise(arrivals):
        if after - before > 1.0:  # the held reply, the kill and the restart
            seconds += before - start
            start = after
    seconds += arrivals[-1] - start
    return (len(arrivals) - 1) / seconds, seconds


def worker(env: dict[str, str], batch: int, *options: str) -> subprocess.Popen:
    """``flask outbox send --batch BATCH OPTIONS`` in a child process."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send"]
    command += ["--batch", str(batch), *options]
    return subprocess.Popen(
        command, cwd=lb.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def statuses(url: str) -> dict[str, int]:
    from symposium.db import make_engine
    from symposium.models import OutboxMessage

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
            return dict(connection.execute(query).all())
    finally:
        engine.dispose()


def kill_mid_batch(
    env: dict[str, str], args: argparse.Namespace, sink: SmtpSink, size: int
) -> tuple[subprocess.Popen, int]:
    """Start a worker, SIGKILL it while the sink holds its reply to the RCPT TO of a mail in
    the middle of a batch in the middle of the round; the worker process and the mail held."""
    held = sink.handler.hold_at = size // 2 + args.batch // 2  # mid-batch: claims wait behind
    first = worker(env, args.batch)
    try:
        if not sink.handler.holding.wait(timeout=600):
            raise SystemExit("the worker did not reach the middle within 10 minutes")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    sink.handler.hold_at = None
    sink.handler.release.set()
    return first, held


def run_on(kind: str, args: argparse.Namespace, folder: Path) -> list[str]:
    n, rounds = args.mails, args.rounds
    label = {"sqlite": "SQLite (WAL)", "postgresql": "PostgreSQL"}[kind]
    size = n // rounds
    chunks = [range(r * size, n if r == rounds - 1 else (r + 1) * size) for r in range(rounds)]
    killed_in = rounds // 2
    problems: list[str] = []
    plain: list[float] = []  # smtplib building each mail: before each round, after the last
    ours: list[float] = []
    seconds, received = 0.0, Counter()
    with lb.database(kind, folder) as url, SmtpSink() as sink:
        env = lb.app_env(url, folder, MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1")
        env["MAIL_PORT"] = str(sink.port)
        lb.flask(env, "db", "upgrade")

        def baseline(how: str, chunk: range) -> float:
            where = f"{chunk.start}:{chunk.stop}"
            command = [sys.executable, __file__, "--plain-smtplib", url, str(sink.port), how, where]
            subprocess.run(command, check=True, cwd=lb.ROOT)
            per_second, _ = rate(sink.arrival_times())
            if sink.message_ids() != Counter(message_ids(chunk)):
                problems.append(f"smtplib ({how}) did not deliver mails {where} once each")
            sink.reset()
            return per_second

        def finished(process: subprocess.Popen, what: str) -> str:
            output, errors = process.communicate(timeout=1800)
            if process.returncode != 0:
                problems.append(f"{what} failed: {errors[-500:]}")
            return output.strip().splitlines()[-1] if output.strip() else ""

        for number, chunk in enumerate(chunks):
            queue(url, folder, chunk)
            if number == 0:
                prebuilt = baseline("prebuilt", chunk)
            plain.append(baseline("build-and-send", chunk))
            if number == killed_in:
                first, held = kill_mid_batch(env, args, sink, len(chunk))
                at_kill, delivered_before = statuses(url), sink.received
                if first.returncode != -signal.SIGKILL:
                    problems.append(f"the first worker ended with {first.returncode}, not SIGKILL")
                time.sleep(RESTART_LEASE)  # the dead worker's claims run out
                restarted = ["--lease-seconds", str(RESTART_LEASE)]
                last_line = finished(worker(env, args.batch, *restarted), "the restarted worker")
            else:
                finished(worker(env, args.batch), f"the worker of round {number + 1}")
            per_second, spent = rate(sink.arrival_times())
            ours.append(per_second)
            seconds += spent
            received += sink.message_ids()
            sink.reset()
        plain.append(baseline("build-and-send", chunks[-1]))
        final = statuses(url)

    if missing := set(message_ids(range(n))) - set(received):
        problems.append(f"{len(missing)} mails lost")
    if twice := [key for key, times in received.items() if times > 1]:
        problems.append(f"{len(twice)} mails delivered twice")
    if final != {"sent": n}:
        problems.append(f"outbox at the end: {final}")
    rounds_of = list(zip(ours, plain[:-1], plain[1:], strict=True))  # worker, smtplib around it
    ratios = [mail / ((before + after) / 2) for mail, before, after in rounds_of]
    ratio = statistics.median(ratios)
    overall = sum(received.values()) / seconds if seconds else 0.0
    print(f"\n== {label}: {n} mails in {rounds} rounds, worker --batch {args.batch} ==")
    print(
        f"round {killed_in + 1}: the worker was killed at mail {held} of {len(chunks[killed_in])}, "
        f"{delivered_before} delivered;"
    )
    print(f"  the outbox then: {at_kill}; the restarted worker: {last_line}")
    print(f"sink: {sum(received.values())} mails from the worker, {len(received)} Message-IDs")
    for number, ((mail, before, after), share) in enumerate(zip(rounds_of, ratios, strict=True)):
        print(
            f"round {number + 1}: smtplib {before:4.0f} /s before, {after:4.0f} /s after; "
            f"worker {mail:4.0f} /s = {share:.0%}"
        )
    print(f"plain smtplib, one connection, mails built before (round 1): {prebuilt:4.0f} /s")
    print(f"outbox worker over every round: {overall:4.0f} mails/s over {seconds:.1f} s of sending")
    print(
        f"outbox = {ratio:.0%} of plain smtplib building each mail, the median of the rounds "
        f"(target ≥ 80%); {overall / prebuilt:.0%} of sending prebuilt mails"
    )
    lb.summary(
        f"{label} outbox delivery rate",
        f"{overall:.0f} mails/s",
        f"{ratio:.0%} of smtplib, median of {rounds} rounds "
        f"({min(ratios):.0%}-{max(ratios):.0%}); {overall / prebuilt:.0%} of prebuilt",
        "≥ 80%",
        ratio >= 0.8,
    )
    lb.summary(
        f"{label} kill -9 mid-batch, restart: {n} mails each once",
        "; ".join(problems) or "yes",
        met=not problems,
    )
    return problems


def message_ids(numbers: range) -> list[str]:
    from symposium.mailers import message_id_for

    return [message_id_for(f"bench:{number}", SENDER) for number in numbers]


def main() -> None:
    args = parse_args()
    if args.plain_smtplib:
        url, port, how, where = args.plain_smtplib
        start, stop = map(int, where.split(":"))
        plain_smtplib(url, int(port), range(start, stop), prebuilt=how == "prebuilt")
        return
    lb.run_on_databases(
        args.databases, "outbox kill test", lambda kind, folder: run_on(kind, args, folder)
    )


if __name__ == "__main__":
    main()
