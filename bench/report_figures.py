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
import datetime as dt
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sqlalchemy as sa  # noqa: E402

POSTGRES = os.environ.get("SYMPOSIUM_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")
SEXES = ("Female", "Male", "Other", "Prefer not to say")
DAY_STARTS = [dt.datetime(2027, 3, 23 + n, 14, 0) for n in range(3)]  # UTC
NOW = dt.datetime(2027, 4, 1)
CHUNK = 50_000


def make_app(url: str, folder: str):
    """The application on ``url``, its mail folder in ``folder``."""
    from symposium import create_app

    return create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "benchmark", "MAIL_FILE_DIR": f"{folder}/mail"}
    )


def bulk_insert(engine: sa.Engine, table: str, frame: pd.DataFrame, **constants) -> None:
    """Insert the rows of ``frame`` (plus ``constants`` in every row) the fastest way each
    database offers: COPY on PostgreSQL, one executemany per chunk on SQLite."""
    sqlite = engine.dialect.name == "sqlite"
    frame = frame.assign(**constants)
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            # SQLite gets the text SQLAlchemy itself stores; PostgreSQL plain datetimes.
            text = column.dt.strftime("%Y-%m-%d %H:%M:%S.%f")
            values = text if sqlite else column.dt.to_pydatetime()
            frame[name] = pd.Series(values, index=frame.index, dtype=object)
        if column.isna().any():
            frame[name] = frame[name].astype(object).where(column.notna(), None)
    names = ", ".join(frame.columns)
    rows = frame.itertuples(index=False, name=None)
    if not sqlite:
        raw = engine.raw_connection()
        try:
            cursor = raw.driver_connection.cursor()
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            raw.driver_connection.commit()
        finally:
            raw.close()
        return
    marks = ", ".join("?" * len(frame.columns))
    insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (our own names)
    with engine.begin() as connection:
        while batch := list(itertools.islice(rows, CHUNK)):
            connection.exec_driver_sql(insert, batch)


def _add(session, model, **values):
    row = model(**values)
    session.add(row)
    session.flush()
    return row


def small_rows(session, registrations: int) -> dict:
    """The symposium, its agenda, attendance imports, survey questions and a viewer (ORM)."""
    from agenda.models import AgendaItem, ItemPerson, Speaker
    from registration.attendance_models import AttendanceImport
    from registration.models import RegistrationSettings
    from surveys.models import Question, Survey, SurveySection
    from symposium.accounts import create_user
    from symposium.models import Economy
    from symposium.services import DayPlan, SymposiumSetup, create_symposium

    economies = list(session.scalars(sa.select(Economy).order_by(Economy.position)))
    setup = SymposiumSetup(
        title="Benchmark symposium", project_number="BENCH 01 2027A", forum="SMEWG",
        po_name="Ana Pérez", po_email="ana@example.org", host_timezone="America/Lima",
        days=[DayPlan(start.date()) for start in DAY_STARTS],
        invited_economy_ids=[e.id for e in economies if e.is_member],
        target_attendees=registrations // 2, target_women_or_youth_pct=60,
    )  # fmt: skip
    symposium = create_symposium(session, setup)
    _add(session, RegistrationSettings, symposium_id=symposium.id)
    imports = [
        _add(session, AttendanceImport, symposium_id=symposium.id, day_id=day.id,
             source="zoom", filename="zoom.csv", timezone="UTC")
        for day in symposium.days
    ]  # fmt: skip
    # 40 agenda speakers; the first 20 are also registered speakers (e-mails in other case).
    speakers = [
        _add(session, Speaker, symposium_id=symposium.id, name=f"Agenda Speaker {n}",
             email=f"P{n + 1}@EXAMPLE.ORG" if n < 20 else f"agenda{n}@example.org",
             economy_id=economies[n % 21].id, sex=SEXES[n % 2])
        for n in range(40)
    ]  # fmt: skip
    for day, position in itertools.product(symposium.days, range(8)):
        item = _add(
            session, AgendaItem, day_id=day.id, position=position, kind="panel",
            title=f"Item {position}", duration_minutes=20, cancelled=position == 7,
        )  # fmt: skip
        for k in range(3):
            speaker = speakers[(day.number * 8 + position + k * 13) % 40]
            role = "moderator" if k == 2 else "speaker"
            session.add(ItemPerson(item_id=item.id, speaker_id=speaker.id, role=role))
    survey = _add(session, Survey, symposium_id=symposium.id, title="Evaluation")
    section = _add(session, SurveySection, survey_id=survey.id, position=0, title="Evaluation")
    kinds = {"knowledge_before": "scale", "knowledge_after": "scale", "collaboration": "yes_no"}
    questions = {
        outcome: _add(session, Question, section_id=section.id, position=position,
                      kind=kinds.get(outcome, "scale"), text=outcome,
                      outcome=outcome if outcome in kinds else None).id
        for position, outcome in enumerate([*kinds, "relevance"])
    }  # fmt: skip
    viewer = create_user(session, "viewer@example.org", "benchmark password", "viewer")
    session.flush()
    return {
        "symposium_id": symposium.id,
        "economy_ids": [e.id for e in economies],
        "import_ids": np.array([i.id for i in imports]),
        "day_ids": np.array([day.id for day in symposium.days]),
        "survey_id": survey.id,
        "questions": questions,
        "viewer_id": viewer.id,
    }


def _when(flags: np.ndarray) -> pd.Series:
    """NOW where ``flags`` is true, missing elsewhere."""
    return pd.Series(pd.Timestamp(NOW), index=range(len(flags))).where(flags)


def add_registrations(engine, rng, meta: dict, n: int) -> pd.DataFrame:
    """``n`` registrations, 1% erased; returns them for the survey's invitations."""
    ids, erased = np.arange(1, n + 1), rng.random(n) < 0.01
    # 60 speakers, 15 moderators, 25 organisers, all confirmed; then participants.
    roles = ["speaker", "moderator", "organiser", "participant"]
    statuses = ["confirmed", "cancelled", "waiting", "pending"]
    status = rng.choice(statuses, n - 100, p=[0.9, 0.05, 0.03, 0.02])
    people = pd.DataFrame(
        {
            "id": ids,
            "given_name": np.where(erased, "", "Given" + ids.astype(str)),
            "email": pd.Series("p" + ids.astype(str) + "@example.org").where(~erased),
            "economy_id": rng.choice(meta["economy_ids"], n),
            "sex": rng.choice(SEXES, n, p=[0.48, 0.46, 0.02, 0.04]),
            "youth": rng.random(n) < 0.3,
            "role": np.repeat(roles, [60, 15, 25, n - 100]),
            "status": np.concatenate([np.full(100, "confirmed"), status]),
            "erased_at": _when(erased),
        }
    )  # fmt: skip
    bulk_insert(
        engine, "registration", people, symposium_id=meta["symposium_id"], family_name="Family",
        organisation="Ministry", organisation_type="Government", job_title="Officer",
        timezone="UTC", privacy_notice_version=1, consent_evaluation=True,
        accessibility_needs="", created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    return people


def add_attendance(engine, rng, meta: dict, n: int, intervals: int) -> None:
    """The report's intervals, and the per-day minutes and presence they give (threshold 30)."""
    person, day = rng.integers(1, n + 1, intervals), rng.integers(0, 3, intervals)
    joins = pd.DataFrame({"registration_id": person, "day": day})
    # One person's joins on one day start 70 minutes apart, so they never overlap.
    slot = joins.groupby(["registration_id", "day"]).cumcount().to_numpy()
    joins["minutes"] = rng.integers(5, 66, intervals)
    starts = np.array(DAY_STARTS, dtype="datetime64[us]")[day] + (70 * slot).astype("m8[m]")
    rows = pd.DataFrame(
        {
            "id": np.arange(1, intervals + 1),
            "import_id": meta["import_ids"][day],
            "line": np.arange(intervals),
            "email": "p" + joins["registration_id"].astype(str) + "@example.org",
            "joined_at": starts,
            "left_at": starts + joins["minutes"].to_numpy().astype("m8[m]"),
            "registration_id": person,
        }
    )
    bulk_insert(engine, "attendance_row", rows, name="", status="matched", candidates="[]")
    days = joins.groupby(["registration_id", "day"], as_index=False)["minutes"].sum()
    days["checked_in"] = rng.random(len(days)) < 0.005
    days["attended"] = (days["minutes"] >= 30) | days["checked_in"]
    days["day"] = meta["day_ids"][days["day"]]
    bulk_insert(engine, "day_attendance", days.rename(columns={"day": "day_id"}))


def add_survey(engine, rng, meta: dict, people: pd.DataFrame, responses: int) -> None:
    """Invitations to every confirmed registrant, ``responses`` of them answered."""
    invited = people.loc[people["status"] == "confirmed", ["id", "sex", "economy_id"]]
    answered = np.zeros(len(invited), dtype=bool)
    answered[rng.choice(len(invited), min(responses, len(invited)), replace=False)] = True
    invitations = pd.DataFrame(
        {
            "id": np.arange(1, len(invited) + 1),
            "registration_id": invited["id"].to_numpy(),
            "token_hash": [f"{k:064x}" for k in range(len(invited))],
            "completed_at": _when(answered),
        }
    )
    survey_id = meta["survey_id"]
    bulk_insert(engine, "survey_invitation", invitations, survey_id=survey_id, invited_at=NOW)
    count, responders = int(answered.sum()), invited[answered]
    response = pd.DataFrame(
        {
            "id": np.arange(1, count + 1),
            "invitation_id": invitations["id"][answered].to_numpy(),
            "sex": responders["sex"].to_numpy(),
            "economy_id": responders["economy_id"].to_numpy(),
        }
    )
    bulk_insert(engine, "survey_response", response, survey_id=survey_id, submitted_at=NOW)
    before = rng.integers(1, 6, count)
    ids, questions = response["id"], meta["questions"]
    answers = pd.concat(
        pd.DataFrame({"response_id": ids, "question_id": questions[name], "number": values})[
            rng.random(count) < share  # the others skipped the question
        ]
        for name, values, share in [
            ("knowledge_before", before, 0.97),
            ("knowledge_after", np.clip(before + rng.integers(-1, 3, count), 1, 5), 0.99),
            ("collaboration", (rng.random(count) < 0.7).astype(int), 0.95),
            ("relevance", rng.integers(1, 6, count), 1.0),
        ]
    )  # fmt: skip
    bulk_insert(engine, "survey_answer", answers.assign(id=np.arange(1, len(answers) + 1)))


def generate(app, registrations: int, intervals: int, responses: int) -> dict:
    """Fill the database; return the ids the measuring needs."""
    from symposium import db

    database = db.database(app)
    with database.sessionmaker.begin() as session:
        meta = small_rows(session, registrations)
    engine, rng = database.engine, np.random.default_rng(2027)
    people = add_registrations(engine, rng, meta, registrations)
    add_attendance(engine, rng, meta, registrations, intervals)
    add_survey(engine, rng, meta, people, responses)
    return meta


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


def run_postgres(folder: str, sizes: tuple[int, int, int], repeat: int) -> None:
    """``run`` in a schema of its own, dropped at the end, when PostgreSQL is reachable."""
    from symposium import db

    admin = db.make_engine(POSTGRES)
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError:
        print("PostgreSQL: not reachable at 127.0.0.1:5432, skipped")
        return
    schema = f"bench_report_{os.getpid()}"
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        run("PostgreSQL", f"{POSTGRES}?options=-csearch_path%3D{schema}", folder, sizes, repeat)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


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
