"""What the load, fault and multi-server benchmarks share: databases made and dropped, the
app's commands and gunicorn in child processes, a small asyncio HTTP client, and the
``SUMMARY`` lines ``bench/run_all.py`` collects (the SMTP sink is in ``_smtp_sink.py``).

Everything listens on loopback; every process started here is stopped by its id, and every
PostgreSQL schema made here is dropped, on failure too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `tests.*` is not installed; `symposium` and friends are

import sqlalchemy as sa  # noqa: E402

POSTGRES = os.environ.get("SYMPOSIUM_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")
SECRET_KEY = "benchmark-" + "k" * 40
CSRF_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so ``finally`` blocks stop servers and drop schemas."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def load_note() -> str:
    """The machine's load before a run: other processes share its cores with the figures."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.1f} (1 min) / {five:.1f} (5 min)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_reachable() -> bool:
    engine = sa.create_engine(
        POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1),
        connect_args={"connect_timeout": 3},
    )
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


@contextlib.contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file in ``folder``, or a PostgreSQL schema of
    its own, dropped (with everything in it) on the way out."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    schema = f"bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def app_env(url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of every child process: the database, a key, mail into ``folder``."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "MAIL_FILE_DIR": str(folder / "mail"),
        "BASE_URL": "http://127.0.0.1:8000",
        **extra,
    }


def flask(env: dict[str, str], *args: str) -> str:
    """Run ``flask --app wsgi ARGS`` to completion; its output."""
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the process (and its children: it leads its own session), then SIGKILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int, log: Path) -> Iterator[int]:
    """Serve ``wsgi:app`` with ``workers`` sync workers on a free port; yield the port."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--timeout", "300"]
    with log.open("w") as output:
        server = subprocess.Popen(
            [*command, "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not start within 60 s") from None
                time.sleep(0.1)
        yield port
    finally:
        stop(server)


def temporary_folder() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="symposium-bench-")


def run_on_databases(kinds: str, what: str, run_on: Callable[[str, Path], list[str]]) -> None:
    """``run_on(kind, folder)`` for each of the comma-separated ``kinds`` (an unreachable
    PostgreSQL is skipped and said so), in a temporary folder; exits 1 naming every problem."""
    stop_on_sigterm()
    print(f"loopback, {load_note()}")
    problems = []
    with temporary_folder() as folder:
        for kind in kinds.split(","):
            if kind == "postgresql" and not postgres_reachable():
                print(f"PostgreSQL at {POSTGRES} is not reachable: skipped")
                summary(f"PostgreSQL {what}", "skipped (no PostgreSQL)")
                continue
            problems += [f"{kind}: {p}" for p in run_on(kind, Path(folder))]
    if problems:
        raise SystemExit("FAILED: " + "; ".join(problems))


ORGANISER = ("organiser@bench.example", "organiser password 1")


@dataclass(frozen=True)
class Prepared:
    """What the set-up step made: the symposium's id and the economies a registrant picks."""

    symposium_id: int
    economy_ids: list[int]


def prepare(url: str, folder: Path, *, capacity: int, focal_points: int = 0) -> Prepared:
    """Create the schema with ``flask db upgrade``, then, with the app's own services, a
    two-day symposium inviting every economy, with the 2-day APEC agenda (12 items, so each
    confirmation carries a calendar), an open form limited to ``capacity``, a draft circular,
    an organiser account and ``focal_points`` focal points spread over the economies."""
    flask(app_env(url, folder), "db", "upgrade")
    import datetime as dt

    from agenda.services import apply_preset
    from registration.circular_services import circular_texts_defaults, save_circular
    from registration.models import FocalPoint
    from registration.registrations import settings_for
    from symposium import create_app, db
    from symposium.accounts import create_user
    from symposium.models import Economy
    from symposium.services import DayPlan, SymposiumSetup, create_symposium

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "MAIL_FILE_DIR": str(folder)})
    first_day = dt.date.today() + dt.timedelta(days=60)
    try:
        with app.app_context(), db.database(app).sessionmaker.begin() as session:
            economies = list(session.scalars(sa.select(Economy).order_by(Economy.position)))
            setup = SymposiumSetup(
                title="Load test symposium",
                project_number="SME 99 2027A",
                forum="SMEWG",
                po_name="Ana Pérez",
                po_email="po@bench.example",
                host_timezone="America/Lima",
                days=[DayPlan(first_day), DayPlan(first_day + dt.timedelta(days=1))],
                capacity=capacity,
                invited_economy_ids=[e.id for e in economies],
            )
            symposium = create_symposium(session, setup)
            apply_preset(session, symposium, "two-day-apec")
            settings_for(session, symposium)  # open form and invitations (the default)
            save_circular(session, symposium, circular_texts_defaults(symposium))
            create_user(session, *ORGANISER)
            session.add_all(
                FocalPoint(
                    symposium_id=symposium.id,
                    economy_id=economies[number % len(economies)].id,
                    name=f"Focal Point {number}",
                    email=f"focal{number}@economies.example",
                    role="SMEWG delegate",
                )
                for number in range(focal_points)
            )
            return Prepared(symposium.id, [e.id for e in economies])
    finally:
        db.database(app).engine.dispose()


# --- HTTP over loopback -------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    milliseconds: float

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


async def request(
    port: int,
    method: str,
    path: str,
    *,
    cookies: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """One HTTP/1.1 request on a connection of its own (gunicorn's sync workers close it)."""
    body = urlencode(form).encode() if form is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if form is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        raw = await reader.read(-1)
    finally:
        writer.close()
    elapsed = (time.perf_counter() - started) * 1000
    head, _, content = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines]
    return Response(int(status_line.split()[1]), headers, content, elapsed)


def cookies_of(response: Response, jar: dict[str, str]) -> dict[str, str]:
    """``jar`` updated with the response's Set-Cookie headers."""
    for name, value in response.headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key] = rest.split(";", 1)[0]
    return jar


def csrf_token(response: Response) -> str:
    match = CSRF_META.search(response.body)
    if match is None:
        raise RuntimeError(f"no CSRF token in the page (status {response.status})")
    return match.group(1).decode()


@dataclass
class Registrant:
    """A virtual person registering on the open form: GET it (cookie, token), then POST."""

    number: int
    economy_id: int
    cookies: dict[str, str] = field(default_factory=dict)
    token: str = ""

    @property
    def email(self) -> str:
        return f"registrant{self.number}@load.example"

    def form(self) -> dict[str, str]:
        return {
            "csrf_token": self.token,
            "given_name": f"Given{self.number}",
            "family_name": f"Family{self.number}",
            "email": self.email,
            "economy_id": str(self.economy_id),
            "organisation": "Ministry of Load Testing",
            "organisation_type": "Government",
            "job_title": "Analyst",
            "sex": ("Female", "Male", "Other", "Prefer not to say")[self.number % 4],
            "youth": "yes" if self.number % 3 == 0 else "no",
            "timezone": "Asia/Singapore",
            "accessibility_needs": "",
            "consent_privacy": "y",
            "consent_evaluation": "y",
        }

    async def open_form(self, port: int, path: str) -> Response:
        response = await request(port, "GET", path, cookies=self.cookies)
        cookies_of(response, self.cookies)
        self.token = csrf_token(response)
        return response

    async def submit(self, port: int, path: str) -> Response:
        return await request(port, "POST", path, cookies=self.cookies, form=self.form())


async def burst(port: int, path: str, clients: int) -> tuple[list[Response], float]:
    """``clients`` GETs of ``path`` at once; the responses and the wall time in seconds."""
    started = time.perf_counter()
    responses = await asyncio.gather(*(request(port, "GET", path) for _ in range(clients)))
    return list(responses), time.perf_counter() - started


def statuses(responses: list[Response]) -> str:
    """``500× 302`` style tally of the answers."""
    tally: dict[int, int] = {}
    for response in responses:
        tally[response.status] = tally.get(response.status, 0) + 1
    return ", ".join(f"{count}× {status}" for status, count in sorted(tally.items()))


@dataclass(frozen=True)
class Figures:
    """Throughput and latency of one burst of requests."""

    requests: int
    seconds: float
    p50: float
    p95: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @classmethod
    def of(cls, responses: list[Response], seconds: float) -> Figures:
        timings = sorted(r.milliseconds for r in responses)
        p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]
        return cls(len(timings), seconds, statistics.median(timings), p95)

    def line(self, label: str) -> str:
        return (
            f"{label:28} {self.per_second:7.0f} req/s   p50 {self.p50:7.1f} ms   "
            f"p95 {self.p95:7.1f} ms   ({self.requests} in {self.seconds:.2f} s)"
        )


# --- the figures run_all.py collects -----------------------------------------------------------


def summary(
    figure: str, value: str, versus: str = "", target: str = "", met: bool | None = None
) -> None:
    """Print one ``SUMMARY {json}`` line: a figure, its comparison and whether it met its
    target (None: no target); ``bench/run_all.py`` turns these lines into its table."""
    record = {"figure": figure, "value": value, "versus": versus, "target": target, "met": met}
    print("SUMMARY " + json.dumps(record, ensure_ascii=False), flush=True)
