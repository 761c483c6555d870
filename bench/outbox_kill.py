"""Kill -9 an outbox worker in the middle of 10,000 mails and start it again: every mail must
arrive, none twice. And the worker's delivery rate against plain ``smtplib`` sending the same
messages over one connection, measured in the same run against the same SMTP sink.

The kill lands mid-batch and mid-mail: the sink holds its reply to the RCPT TO of a mail in
the middle of a batch in the middle of the run, so the worker has claimed its batch, sent half
of it and opened the SMTP transaction of the next mail when SIGKILL arrives. (Not inside the
one window the outbox documents — after the server accepted a mail, before "sent" is
committed — where a resend is the designed outcome; see symposium/outbox.py.) The worker is
started again once the dead worker's claims are older than the restarted one's lease, as a
supervisor would restart it; the lease is 2 s here (not the default 10 minutes), so the run
does not wait, and with a lease above zero the worker renews a claim only when it is old.

Rates are counted at the sink, from the first to the last mail of each run of sending, so
process start-up, the held reply and the restart do not count. Exits 1 if a mail is lost or
arrives twice. Target (../shared/BENCHMARKS.md): outbox ≥ 80% of plain smtplib, which here
builds each mail with the app's ``build_email`` and sends it, once before the worker and once
after it (the machine's speed drifts by a third within minutes; the worker is compared with
the mean of the two). A second figure compares with sending mails built beforehand, the bare
transport.

    python bench/outbox_kill.py                                 # 10,000 mails, both databases
    python bench/outbox_kill.py --mails 2000 --databases sqlite
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import smtplib
import subprocess
import sys
import time
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
    parser.add_argument("--batch", type=int, default=50, help="the worker's --batch")
    parser.add_argument(
        "--plain-smtplib", nargs=3, metavar=("URL", "PORT", "HOW"), help=argparse.SUPPRESS
    )
    return parser.parse_args()


def queue(url: str, folder: Path, count: int) -> None:
    """Queue ``count`` mails with the app's own ``queue_mail``, a thousand per transaction."""
    from symposium import create_app, db
    from symposium.outbox import queue_mail

    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": lb.SECRET_KEY, "MAIL_FILE_DIR": str(folder)}
    )
    try:
        with app.app_context(), db.database(app).sessionmaker() as session:
            for number in range(count):
                recipient = f"person{number}@example.org"
                queue_mail(session, f"bench:{number}", recipient, f"Registration {number}", BODY)
                if number % 1000 == 999:
                    session.commit()
            session.commit()
    finally:
        db.database(app).engine.dispose()


def plain_smtplib(url: str, port: int, prebuilt: bool) -> None:
    """(Child process) the baseline: every queued mail over one plain smtplib connection, each
    built with the app's ``build_email`` as it goes, or all built before the first is sent."""
    from sqlalchemy.orm import Session

    from symposium.db import make_engine
    from symposium.mailers import build_email
    from symposium.models import OutboxMessage

    engine = make_engine(url)
    with Session(engine) as session:
        rows = list(session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
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


def worker(env: dict[str, str], *options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send", *options]
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


def run_on(kind: str, args: argparse.Namespace, folder: Path) -> list[str]:
    n = args.mails
    label = {"sqlite": "SQLite (WAL)", "postgresql": "PostgreSQL"}[kind]
    with lb.database(kind, folder) as url, SmtpSink() as sink:
        env = lb.app_env(url, folder, MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1")
        env["MAIL_PORT"] = str(sink.port)
        lb.flask(env, "db", "upgrade")
        queue(url, folder, n)

        plain, plain_ids = {}, []

        def baseline(how: str) -> float:
            command = [sys.executable, __file__, "--plain-smtplib", url, str(sink.port), how]
            subprocess.run(command, check=True, cwd=lb.ROOT)
            per_second, _ = rate(sink.arrival_times())
            plain_ids.append(sink.message_ids())
            sink.reset()
            return per_second

        for how in ("build-and-send", "prebuilt"):
            plain[how] = baseline(how)

        held = sink.handler.hold_at = n // 2 + args.batch // 2  # mid-batch: claims wait behind
        first = worker(env, "--batch", str(args.batch))
        try:
            if not sink.handler.holding.wait(timeout=600):
                raise SystemExit("the worker did not reach the middle within 10 minutes")
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        at_kill = statuses(url)
        delivered_before = sink.received
        sink.handler.release.set()
        time.sleep(RESTART_LEASE)  # the dead worker's claims run out
        second = worker(env, "--batch", str(args.batch), "--lease-seconds", str(RESTART_LEASE))
        try:
            output, errors = second.communicate(timeout=1800)
        finally:
            if second.poll() is None:
                second.kill()
                second.wait()
        ours, seconds = rate(sink.arrival_times())
        received, final = sink.message_ids(), statuses(url)
        sink.reset()
        # The machine's speed drifts over a run: the baseline again, after the worker, and the
        # worker compared with the mean of the two.
        plain["after"] = baseline("build-and-send")

    from symposium.mailers import message_id_for

    wanted = {message_id_for(f"bench:{number}", SENDER) for number in range(n)}
    problems = []
    if any(set(ids) != wanted for ids in plain_ids):
        problems.append("the smtplib baseline did not deliver every mail")
    if first.returncode != -signal.SIGKILL:
        problems.append(f"the first worker ended with {first.returncode}, not SIGKILL")
    if second.returncode != 0:
        problems.append(f"the restarted worker failed: {errors[-500:]}")
    if missing := wanted - set(received):
        problems.append(f"{len(missing)} mails lost")
    if twice := [key for key, times in received.items() if times > 1]:
        problems.append(f"{len(twice)} mails delivered twice")
    if final != {"sent": n}:
        problems.append(f"outbox after the restart: {final}")
    both = (plain["build-and-send"] + plain["after"]) / 2
    ratio, strict = ours / both, ours / plain["prebuilt"]
    print(f"\n== {label}: {n} mails, worker --batch {args.batch}, killed at mail {held} ==")
    print(f"at the kill: {delivered_before} delivered, outbox {at_kill}")
    print(f"restarted worker: {output.strip().splitlines()[-1]}")
    print(f"sink: {sum(received.values())} mails, {len(received)} distinct Message-IDs")
    before, after = plain["build-and-send"], plain["after"]
    print(f"plain smtplib, one connection, building each mail: {before:6.0f} /s before the")
    print(f"  worker, {after:.0f} /s after it: {both:.0f} /s on average")
    print(f"plain smtplib, one connection, mails built before: {plain['prebuilt']:6.0f} /s")
    print(f"outbox worker (both runs): {ours:6.0f} mails/s over {seconds:.1f} s of sending")
    print(
        f"outbox = {ratio:.0%} of plain smtplib building each mail (target ≥ 80%), "
        f"{strict:.0%} of sending prebuilt mails"
    )
    lb.summary(
        f"{label} outbox delivery rate",
        f"{ours:.0f} mails/s",
        f"{ratio:.0%} of smtplib ({both:.0f}/s); {strict:.0%} of prebuilt",
        "≥ 80%",
        ratio >= 0.8,
    )
    lb.summary(
        f"{label} kill -9 mid-batch, restart: {n} mails each once",
        "; ".join(problems) or "yes",
        met=not problems,
    )
    return problems


def main() -> None:
    args = parse_args()
    if args.plain_smtplib:
        url, port, how = args.plain_smtplib
        plain_smtplib(url, int(port), prebuilt=how == "prebuilt")
        return
    lb.run_on_databases(
        args.databases, "outbox kill test", lambda kind, folder: run_on(kind, args, folder)
    )


if __name__ == "__main__":
    main()
