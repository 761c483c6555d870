"""Latency of the public pages a participant opens: the agenda page, the whole-event iCalendar
and the open registration form, against the same server's lightest endpoint (a static file),
measured in the same run over loopback by one client.

Run with ``make bench``: it serves the demo (2-day agenda, 12 items) with gunicorn on SQLite
in a temporary folder and prints p50 / p95 per endpoint and each p50 as a ratio of the
baseline's. Targets (../shared/BENCHMARKS.md, where Indico's figures are): agenda page
p50 ≤ 15 ms, iCalendar p50 ≤ 9 ms, registration form page p50 ≤ 10 ms.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _loopback import summary  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
WARM_UP = 30
# path: (what it is, target p50 in ms, Indico's p50 in BENCHMARKS.md)
TARGETS = {
    "/agenda/1": ("public agenda page", 15.0, "106–113 ms"),
    "/agenda/1.ics": ("whole-event iCalendar", 9.0, "93 ms"),
    "/register/1": ("registration form page", 10.0, "71–84 ms"),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(env: dict[str, str]) -> None:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)


def wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped; is the deploy extra installed?")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start within 30 s")


def measure(port: int, path: str) -> list[float]:
    """Sequential GETs on one keep-alive connection; milliseconds per request."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    timings = []
    for index in range(WARM_UP + REQUESTS):
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200 or not body:
            raise SystemExit(f"{path} answered {response.status}")
        if index >= WARM_UP:
            timings.append(elapsed)
    connection.close()
    return timings


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "SECRET_KEY": "benchmark",
            "MAIL_FILE_DIR": f"{folder}/mail",
        }
        prepare(env)
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(port, server)
            baseline = statistics.median(measure(port, "/static/favicon.svg"))
            print(f"{REQUESTS} sequential requests each, one client, gunicorn 2 workers, SQLite")
            print(f"baseline /static/favicon.svg p50 {baseline:.2f} ms")
            for path, (what, target, indico) in TARGETS.items():
                timings = measure(port, path)
                p50 = statistics.median(timings)
                p95 = statistics.quantiles(timings, n=20)[-1]
                print(
                    f"{path:16} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
                    f"= {p50 / baseline:4.1f}× baseline  (target p50 ≤ {target} ms)"
                )
                summary(
                    f"{what}, one client",
                    f"p50 {p50:.1f} ms, p95 {p95:.1f} ms",
                    f"{p50 / baseline:.1f}× favicon ({baseline:.2f} ms); Indico p50 {indico}",
                    f"p50 ≤ {target:g} ms",
                    p50 <= target,
                )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
