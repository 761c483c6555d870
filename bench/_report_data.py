"""The large synthetic symposium bench/report_figures.py measures: 100,000 registrations,
300,000 attendance intervals (and the per-day attendance they give) and 60,000 survey
responses at full size, written with bulk inserts (executemany on SQLite, COPY on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import sqlalchemy as sa

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
            # symposium.names.name_key of "GivenN Family": its words, plain and sorted
            "name_key": np.where(erased, "", "family given" + ids.astype(str)),
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
