"""Two app servers on one PostgreSQL, with two outbox workers: registrations through both
servers at once while an organiser distributes the GIC to 2,000 focal points.

Two gunicorn processes (on different ports) and two ``flask outbox send --loop`` workers share
a PostgreSQL schema of their own; the workers deliver to one SMTP sink (a thread of this
process that counts Message-IDs). Registrants alternate between the servers; the organiser
logs in on the first and presses "Distribute". Then the outbox must drain with every mail
delivered exactly once (one per registration and one per focal point, each Message-ID once),
every accepted registration stored once and the capacity held. Exits 1 if a check fails.

    python bench/two_servers.py                                  # 400 registrants, 2,000 FPs
    python bench/two_servers.py --registrants 100 --focal-points 300
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import _loopback as lb
import sqlalchemy as sa
from _smtp_sink import SmtpSink

SENDER = "symposium@localhost"  # MAIL_SENDER's default: Message-IDs are derived with it
WARM_UP = 8  # registrants before the measured crowd (counted in the checks like the others)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrants", type=int, default=400)
    parser.add_argument("--focal-points", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to drain the outbox")
    return parser.parse_args()


async def log_in(port: int) -> dict[str, str]:
    """The organiser's session cookies on the server at ``port``."""
    jar: dict[str, str] = {}
    page = await lb.request(port, "GET", "/login")
    lb.cookies_of(page, jar)
    email, password = lb.ORGANISER
    form = {"csrf_token": lb.csrf_token(page), "email": email, "password": password}
    response = await lb.request(port, "POST", "/login", cookies=jar, form=form)
    if response.status != 302:
        raise SystemExit(f"the organiser could not log in ({response.status})")
    return lb.cookies_of(response, jar)


async def distribute(port: int, symposium_id: int) -> lb.Response:
    """Log in and press "Distribute" on the circular's distribution page."""
    jar = await log_in(port)
    path = f"/symposia/{symposium_id}/distribution"
    page = await lb.request(port, "GET", path, cookies=jar)
    form = {"csrf_token": lb.csrf_token(page)}
    return await lb.request(port, "POST", path + "/send", cookies=jar, form=form)


async def register(port: int, symposium_id: int, person: lb.Registrant) -> lb.Response:
    path = f"/register/{symposium_id}"
    await person.open_form(port, path)
    return await person.submit(port, path)


async def crowd_and_distribution(ports: list[int], symposium_id: int, people: list) -> tuple:
    """Everyone registers (alternating servers) while the organiser distributes; the answers,
    the seconds the registrations took and the moment the distribution was done."""

    async def distribution() -> tuple[lb.Response, float]:
        response = await distribute(ports[0], symposium_id)
        return response, time.monotonic()

    started = time.perf_counter()
    distributing = asyncio.ensure_future(distribution())
    posts = await asyncio.gather(
        *(register(ports[i % 2], symposium_id, p) for i, p in enumerate(people))
    )
    registered_in = time.perf_counter() - started
    sent, sent_at = await distributing
    return posts, registered_in, sent, sent_at


async def warm_up(ports: list[int], symposium_id: int, people: list) -> list[lb.Response]:
    """A few registrations and pages per server before measuring: each gunicorn worker builds
    its caches (time zones, templates, the calendar's VTIMEZONE) on first use."""
    for port in ports:
        await lb.burst(port, "/login", 8)
    return await asyncio.gather(
        *(register(ports[i % 2], symposium_id, p) for i, p in enumerate(people))
    )


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send", "--loop"]
    with log.open("w") as output:
        return subprocess.Popen(
            [*command, "--interval", "0.5"],
            cwd=lb.ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def outbox_state(engine: sa.Engine) -> tuple[Counter, list[str]]:
    from symposium.models import OutboxMessage

    with engine.connect() as connection:
        rows = connection.execute(sa.select(OutboxMessage.status, OutboxMessage.idempotency_key))
        rows = rows.all()
    return Counter(status for status, _ in rows), [key for _, key in rows]


def gic_message_ids(url: str) -> set[str]:
    """The Message-IDs of the circular's mails (the others are registration confirmations)."""
    from symposium.db import make_engine
    from symposium.mailers import message_id_for

    engine = make_engine(url)
    try:
        _, keys = outbox_state(engine)
    finally:
        engine.dispose()
    return {message_id_for(key, SENDER) for key in keys if key.startswith("gic:")}


def wait_until_drained(engine: sa.Engine, sink: SmtpSink, timeout: float) -> float:
    """Seconds until no mail is queued or being sent (and the sink has them all)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        counts, keys = outbox_state(engine)
        if not counts["queued"] and not counts["sending"] and sink.received >= len(keys):
            return time.monotonic() - started
        time.sleep(0.5)
    raise SystemExit(f"the outbox did not drain within {timeout:.0f} s: {dict(counts)}")


def check(url: str, prepared, people, posts, sink, fp_count: int, capacity: int) -> list[str]:
    from registration.models import CircularDelivery, Registration
    from symposium.db import make_engine
    from symposium.mailers import message_id_for

    engine = make_engine(url)
    try:
        counts, keys = outbox_state(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(Registration.email, Registration.status).where(
                    Registration.symposium_id == prepared.symposium_id
                )
            ).all()
            deliveries = connection.scalar(sa.select(sa.func.count(CircularDelivery.id)))
    finally:
        engine.dispose()
    problems = []
    accepted = {p.email for p, r in zip(people, posts, strict=True) if r.status == 302}
    stored = Counter(email for email, _ in rows)
    if set(stored) != accepted or set(stored.values()) != {1}:
        problems.append("registrations lost, doubled or stored without being accepted")
    confirmed = sum(1 for _, status in rows if status == "confirmed")
    if confirmed != min(capacity, len(rows)):
        problems.append(f"{confirmed} confirmed for capacity {capacity}")
    if deliveries != fp_count:
        problems.append(f"{deliveries} GIC deliveries recorded for {fp_count} focal points")
    expected = len(accepted) + fp_count
    if len(keys) != expected or counts["sent"] != expected:
        problems.append(f"{counts['sent']} of {len(keys)} outbox mails sent, expected {expected}")
    received = sink.message_ids()
    wanted = Counter({message_id_for(key, SENDER): 1 for key in keys})
    if received != wanted:
        twice = sum(1 for n in received.values() if n > 1)
        missing = len(set(wanted) - set(received))
        problems.append(f"sink: {missing} mails missing, {twice} received more than once")
    print(
        f"outbox {dict(counts)}; sink: {sink.received} mails in {sink.handler.connections} "
        f"SMTP sessions; {len(rows)} registrations ({confirmed} confirmed)"
    )
    return problems


@dataclass
class Outcome:
    """What happened while two servers and two workers ran."""

    people: list[lb.Registrant]
    posts: list[lb.Response]
    seconds: float
    distribution: lb.Response
    distributed_at: float  # time.monotonic() when the organiser got the answer
    drained: float
    sent_by: list[int]


def run_servers(args: argparse.Namespace, url: str, folder: Path, sink: SmtpSink, prepared):
    """Two gunicorn processes and two outbox workers; the crowd and the distribution; wait for
    the outbox to drain; stop everything."""
    from symposium.db import make_engine

    env = lb.app_env(url, folder, MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1")
    env["MAIL_PORT"] = str(sink.port)
    economies = prepared.economy_ids
    people = [lb.Registrant(i, economies[i % len(economies)]) for i in range(args.registrants)]
    warm, crowd = people[:WARM_UP], people[WARM_UP:]
    workers: list[subprocess.Popen] = []
    with (
        lb.gunicorn(env, args.workers, folder / "server-a.log") as port_a,
        lb.gunicorn(env, args.workers, folder / "server-b.log") as port_b,
    ):
        try:
            workers = [start_worker(env, folder / f"worker-{i}.log") for i in (1, 2)]
            ports = [port_a, port_b]
            warmed = asyncio.run(warm_up(ports, prepared.symposium_id, warm))
            posts, seconds, sent, sent_at = asyncio.run(
                crowd_and_distribution(ports, prepared.symposium_id, crowd)
            )
            engine = make_engine(url)
            try:
                drained = wait_until_drained(engine, sink, args.timeout)
            finally:
                engine.dispose()
        finally:
            for worker in workers:
                lb.stop(worker, grace=30)
    sent_by = []
    for number in (1, 2):
        log = (folder / f"worker-{number}.log").read_text().splitlines()
        sent_by.append(sum(int(line.split()[3]) for line in log if line.startswith("Batch of")))
    return Outcome(warm + crowd, warmed + posts, seconds, sent, sent_at, drained, sent_by)


def run(args: argparse.Namespace, folder: Path) -> list[str]:
    n, fps = args.registrants, args.focal_points
    capacity = int(n * 0.8)
    with lb.database("postgresql", folder) as url, SmtpSink() as sink:
        prepared = lb.prepare(url, folder, capacity=capacity, focal_points=fps)
        outcome = run_servers(args, url, folder, sink, prepared)
        problems = check(url, prepared, outcome.people, outcome.posts, sink, fps, capacity)
        gic_ids = gic_message_ids(url)
    crowd = outcome.posts[WARM_UP:]
    figures = lb.Figures.of(crowd, outcome.seconds)
    sent = outcome.distribution
    gic = sorted(moment for message_id, moment in sink.arrivals() if message_id in gic_ids)
    gic_seconds = gic[-1] - outcome.distributed_at if gic else float("nan")
    print(f"\n== two servers × {args.workers} workers, two outbox workers, PostgreSQL ==")
    print(figures.line("registrations, both servers") + f"   [{lb.statuses(crowd)}]")
    print("  (rate: registrants through GET + POST; latency: the POST)")
    print(f"distribution to {fps} focal points: {sent.status} in {sent.milliseconds:.0f} ms")
    print(
        f"the {len(gic)} GIC mails all delivered {gic_seconds:.1f} s after the distribution "
        f"answered: {len(gic) / gic_seconds:.0f} mails/s with two workers"
    )
    print(f"outbox empty {outcome.drained:.1f} s after the last registration and the distribution")
    print(f"mails sent by worker 1: {outcome.sent_by[0]}, by worker 2: {outcome.sent_by[1]}")
    if sent.status != 302:
        problems.append(f"the distribution answered {sent.status}")
    if failed := [r.status for r in outcome.posts if r.status >= 500]:
        problems.append(f"{len(failed)} registrations answered {failed[0]}")
    lb.summary(
        "two servers: registration POST p50/p95",
        f"{figures.p50:.0f} / {figures.p95:.0f} ms",
        f"{figures.per_second:.0f} registrants/s, {len(crowd)} at once, during a distribution",
    )
    lb.summary(f"two servers: distributing the GIC to {fps}", f"{sent.milliseconds / 1000:.1f} s")
    lb.summary(
        "two servers: GIC delivery, two workers",
        f"{len(gic) / gic_seconds:.0f} mails/s",
        f"split {outcome.sent_by[0]} / {outcome.sent_by[1]} between the workers",
    )
    lb.summary(
        "two servers: each mail once, no registration lost",
        "; ".join(problems) or "yes",
        met=not problems,
    )
    return problems


def main() -> None:
    lb.stop_on_sigterm()
    args = parse_args()
    print(f"loopback, {lb.load_note()}")
    if not lb.postgres_reachable():
        print(f"PostgreSQL at {lb.POSTGRES} is not reachable: skipped")
        lb.summary("two servers on PostgreSQL", "skipped (no PostgreSQL)")
        return
    with lb.temporary_folder() as folder:
        problems = run(args, Path(folder))
    if problems:
        raise SystemExit("FAILED: " + "; ".join(problems))


if __name__ == "__main__":
    main()
