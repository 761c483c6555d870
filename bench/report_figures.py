"""Time to compute the completion figures of a large synthetic symposium, against the time to
merely load the same rows into pandas, measured in the same run; plus the PDF, the XLSX, the
dashboard's answer time and the peak memory.

Builds, with bulk inserts (executemany on SQLite, COPY on PostgreSQL), a symposium of 100,000
registrations, 300,000 attendance intervals (and the per-day attendance they give) and 60,000
survey responses, on SQLite in a temporary folder and, when reachable, on PostgreSQL at
127.0.0.1:5432/test in a schema of its own that it drops. The measuring runs in a fresh child
process so its peak memory is the report's alone. Targets (../shared/BENCHMARKS.md): figures
≤ 2× the baseline (``pd.read_sql_query`` of the same queries), peak memory < 500 MB, dashboard
< 2 s.

    python bench/report_figures.py                            # full size, about 2 minutes
    python bench/report_figures.py --scale 0.1 --no-postgres  # a tenth, SQLite only
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _loopback as lb  # noqa: E402
import pandas as pd  # noqa: E402
from _report_data import generate, make_app  # noqa: E402


def peak_mb() -> float:
    """This process's peak resident memory: VmHWM, not ru_maxrss, which Linux carries over
    from the parent across fork and exec (it would count the generator's memory too)."""
    status = Path("/proc/self/status").read_text()
    return int(next(x for x in status.splitlines() if x.startswith("VmHWM:")).split()[1]) / 1024


def timed(work: Callable[[], object]) -> float:
    """Seconds ``work`` takes."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def measure(url: str, symposium_id: int, viewer_id: int, repeat: int) -> dict:
    """Run in the child process: every timing, and the peak memory it took."""
    from reports.exports import report_xlsx
    from reports.pdf import completion_pdf
    from reports.queries import report_data, row_queries, survey_id_of
    from reports.stats import completion_figures
    from symposium import db
    from symposium.models import Symposium, utcnow

    app = make_app(url, tempfile.mkdtemp())
    started_mb, database = peak_mb(), db.database(app)
    with app.app_context(), database.sessionmaker() as session:
        symposium = session.get(Symposium, symposium_id)
        queries = row_queries(symposium_id, survey_id_of(session, symposium_id))

        def baseline() -> dict:
            with database.engine.connect() as connection:
                return {name: pd.read_sql_query(q, connection) for name, q in queries.items()}

        def figures():
            return completion_figures(report_data(session, symposium), utcnow())

        rows = sum(len(frame) for frame in baseline().values())
        result = figures()  # both warmed up once
        load, compute = [], []
        for _ in range(repeat):  # alternated, so caches favour neither
            load.append(timed(baseline))
            compute.append(timed(figures))
        pdf = statistics.median(timed(lambda: completion_pdf(result)) for _ in range(repeat))
        xlsx = statistics.median(timed(lambda: report_xlsx(result)) for _ in range(repeat))
    client = app.test_client()
    with client.session_transaction() as cookie:  # logged in as the viewer
        cookie["_user_id"], cookie["_fresh"] = str(viewer_id), True
    page = f"/symposia/{symposium_id}/report"
    assert client.get(page).status_code == 200
    dashboard = statistics.median(timed(lambda: client.get(page)) for _ in range(repeat))
    return {
        "rows": rows, "load": statistics.median(load), "figures": statistics.median(compute),
        "pdf": pdf, "xlsx": xlsx, "dashboard": dashboard, "start_mb": started_mb,
        "peak_mb": peak_mb(), "attended": result.attended.total,
        "responded": result.survey.responded,
    }  # fmt: skip


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def run(name: str, url: str, folder: str, sizes: tuple[int, int, int], repeat: int) -> None:
    """Generate the symposium on ``url``, measure in a child process, print the figures."""
    from symposium import db, migrate

    app = make_app(url, folder)
    migrate.upgrade(app)
    started = time.perf_counter()
    meta = generate(app, *sizes)
    generated = time.perf_counter() - started
    db.database(app).engine.dispose()
    ids = [str(meta["symposium_id"]), str(meta["viewer_id"])]
    command = [sys.executable, __file__, "--measure", url, *ids, "--repeat", str(repeat)]
    child = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if child.returncode:
        raise SystemExit(f"{name}: the measuring process failed\n{child.stderr}")
    r = json.loads(child.stdout.strip().splitlines()[-1])
    ratio = r["figures"] / r["load"]
    print(f"{name}: generated in {generated:.1f} s; the report reads {r['rows']:,} rows")
    print(f"  baseline: load the rows into pandas   {r['load']:6.3f} s")
    print(
        f"  every figure from the database        {r['figures']:6.3f} s = {ratio:.2f}× baseline"
        f"  ({_verdict(ratio <= 2)}: target ≤ 2×)"
    )
    print(f"  PDF {r['pdf']:.3f} s · XLSX {r['xlsx']:.3f} s")
    print(f"  dashboard {r['dashboard']:.3f} s  ({_verdict(r['dashboard'] < 2)}: target < 2 s)")
    print(
        f"  peak memory {r['peak_mb']:.0f} MB, {r['start_mb']:.0f} MB of it at start-up"
        f"  ({_verdict(r['peak_mb'] < 500)}: target < 500 MB)"
    )
    print(f"  ({r['attended']:,} participants attended, {r['responded']:,} survey responses)")
    lb.summary(
        f"{name} completion figures, {r['rows']:,} rows",
        f"{r['figures']:.2f} s, peak {r['peak_mb']:.0f} MB",
        f"{ratio:.2f}× loading the rows into pandas ({r['load']:.2f} s)",
        "≤ 2×, < 500 MB",
        ratio <= 2 and r["peak_mb"] < 500,
    )
    lb.summary(
        f"{name} completion dashboard page",
        f"{r['dashboard']:.2f} s",
        f"PDF {r['pdf']:.2f} s, XLSX {r['xlsx']:.2f} s",
        "< 2 s",
        r["dashboard"] < 2,
    )


def run_postgres(folder: str, sizes: tuple[int, int, int], repeat: int) -> None:
    """``run`` in a schema of its own, dropped at the end, when PostgreSQL is reachable."""
    if not lb.postgres_reachable():
        print(f"PostgreSQL: not reachable at {lb.POSTGRES}, skipped")
        return
    with lb.database("postgresql", Path(folder)) as url:
        run("PostgreSQL", url, folder, sizes, repeat)


def main() -> None:
    """Parse the options; generate and measure on each database (or measure, as the child)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="e.g. 0.1 for a tenth")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per measure (median)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--measure", nargs=3, metavar=("URL", "SYMPOSIUM", "VIEWER"))
    options = parser.parse_args()
    if options.measure:  # the child process
        url, symposium_id, viewer_id = options.measure
        print(json.dumps(measure(url, int(symposium_id), int(viewer_id), options.repeat)))
        return
    sizes = tuple(int(options.scale * n) for n in (100_000, 300_000, 60_000))
    print(
        f"Completion figures of {sizes[0]:,} registrations, {sizes[1]:,} attendance "
        f"intervals, {sizes[2]:,} survey responses (medians of {options.repeat} runs)"
    )
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/bench.sqlite3", folder, sizes, options.repeat)
        if not options.no_postgres:
            run_postgres(folder, sizes, options.repeat)


if __name__ == "__main__":
    main()
