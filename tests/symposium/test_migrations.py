"""Migrations: a database made by an older version upgrades to the newest without losing data."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from symposium import db, migrate
from symposium.db import Base
from tests.conftest import make_app, postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_app(request, tmp_path):
    """An app on a database with no tables at all."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    else:
        url = postgres_url(request.getfixturevalue("postgres_schema")())
    app = make_app(url, tmp_path)
    yield app
    db.database(app).engine.dispose()


def revisions_oldest_first(app):
    script = ScriptDirectory.from_config(migrate.alembic_config(app))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_each_revision_upgrades_without_losing_earlier_data(empty_app):
    config = migrate.alembic_config(empty_app)
    engine = db.database(empty_app).engine
    revisions = revisions_oldest_first(empty_app)
    assert revisions[:2] == ["0001", "0002"]

    command.upgrade(config, "0001")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO user_account (email, password_hash, role, active, created_at) "
                "VALUES ('old@example.org', 'scrypt:old', 'organiser', :yes, :now)"
            ),
            {"yes": True, "now": dt.datetime(2025, 1, 1)},
        )
    for revision in revisions[1:]:
        command.upgrade(config, revision)
        with engine.connect() as connection:
            emails = connection.execute(sa.text("SELECT email FROM user_account")).scalars()
            assert list(emails) == ["old@example.org"], revision


def test_migrations_create_exactly_what_the_models_describe(empty_app):
    migrate.upgrade(empty_app)
    with db.database(empty_app).engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_upgrade_loads_the_economies_and_downgrade_upgrade_round_trips(empty_app):
    migrate.upgrade(empty_app)
    migrate.upgrade(empty_app)  # a second run changes nothing and duplicates nothing
    engine = db.database(empty_app).engine
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM economy")) == 22
    command.downgrade(migrate.alembic_config(empty_app), "base")
    with engine.connect() as connection:
        assert "symposium" not in sa.inspect(connection).get_table_names()
    migrate.upgrade(empty_app)
    with engine.connect() as connection:
        assert "symposium" in sa.inspect(connection).get_table_names()


def test_symposia_made_before_the_agenda_version_each_get_one_of_their_own(empty_app):
    """Migration 0008: a copy of an agenda is kept under its symposium's version, so existing
    symposia must not share one (nor have an empty one)."""
    config = migrate.alembic_config(empty_app)
    engine = db.database(empty_app).engine
    command.upgrade(config, "0007")
    with engine.begin() as connection:
        for title in ("First", "Second"):
            connection.execute(
                sa.text(
                    "INSERT INTO symposium (title, project_number, forum, po_name, po_email, "
                    "host_timezone, platform_name, languages, created_at, updated_at) VALUES "
                    "(:title, 'SME 01 2026A', 'SMEWG', 'Ana', 'ana@example.org', 'America/Lima', "
                    "'Zoom', '[]', :now, :now)"
                ),
                {"title": title, "now": dt.datetime(2026, 1, 1)},
            )
    command.upgrade(config, "0008")
    with engine.connect() as connection:
        versions = connection.execute(sa.text("SELECT agenda_version FROM symposium")).scalars()
        versions = list(versions)
    assert len(versions) == 2 and len(set(versions)) == 2 and "" not in versions


NOW = dt.datetime(2026, 1, 1)


def old_symposium(connection: sa.Connection, title: str = "Old") -> int:
    """A symposium (and Peru, economy 1) written as an older schema had them; its id."""
    if connection.scalar(sa.text("SELECT count(*) FROM economy")) == 0:
        economy = "INSERT INTO economy (id, code, name, timezone, is_member, position) "
        values = "VALUES (1, 'PE', 'Peru', 'America/Lima', :yes, 1)"
        connection.execute(sa.text(economy + values), {"yes": True})
    return connection.execute(
        sa.text(
            "INSERT INTO symposium (title, project_number, forum, po_name, po_email, "
            "host_timezone, platform_name, languages, agenda_version, created_at, "
            "updated_at) VALUES (:title, 'SME 01 2026A', 'SMEWG', 'Ana', 'ana@example.org', "
            "'America/Lima', 'Zoom', '[]', 'v1', :now, :now) RETURNING id"
        ),
        {"title": title, "now": NOW},
    ).scalar_one()


def old_registration(
    connection: sa.Connection, symposium: int, email: str | None, **values: str
) -> None:
    """A registration (confirmed unless ``status`` says) written as an older schema had it."""
    values = {"given": "", "family": "", "status": "confirmed", **values}
    connection.execute(
        sa.text(
            "INSERT INTO registration (symposium_id, given_name, family_name, "
            "family_name_first, email, economy_id, organisation, organisation_type, "
            "job_title, sex, youth, role, status, timezone, accessibility_needs, "
            "privacy_notice_version, consent_evaluation, created_at, updated_at) VALUES "
            "(:s, :given, :family, :no, :email, 1, '', '', '', 'Male', :no, "
            "'participant', :status, 'America/Lima', '', 1, :no, :now, :now)"
        ),
        {"s": symposium, "email": email, "no": False, "now": NOW, **values},
    )


def test_registrations_and_speakers_made_before_name_keys_get_theirs(empty_app):
    """Migration 0012: the keys that match a registrant with an agenda speaker whatever way the
    name was typed are computed for the rows already there (an erased name keeps none)."""
    config = migrate.alembic_config(empty_app)
    engine = db.database(empty_app).engine
    command.upgrade(config, "0011")
    with engine.begin() as connection:
        symposium = old_symposium(connection)
        old_registration(connection, symposium, "jose@example.pe", given="José", family="Pérez")
        old_registration(connection, symposium, None)
        speaker = "INSERT INTO agenda_speaker (symposium_id, name, sex) VALUES (:s, :name, 'Male')"
        connection.execute(sa.text(speaker), {"s": symposium, "name": "PÉREZ, josé"})
    command.upgrade(config, "0012")
    with engine.connect() as connection:
        keys = connection.execute(sa.text("SELECT name_key FROM registration ORDER BY id"))
        speaker = connection.scalar(sa.text("SELECT name_key FROM agenda_speaker"))
        assert list(keys.scalars()) == ["jose perez", ""]
        assert speaker == "jose perez"


SETTINGS = sa.text(
    "INSERT INTO registration_settings (symposium_id, mode, moderated, "
    "attendance_threshold_minutes, privacy_notice, privacy_notice_version, changes) "
    "VALUES (:s, 'both', :no, 30, '', 1, 0)"
)


def test_places_taken_are_counted_on_upgrade_then_kept_by_the_database(empty_app):
    """Migration 0015: each settings row gets the confirmed registrations already there, and
    from then on the database's triggers keep the number, whatever statement changes them."""
    config = migrate.alembic_config(empty_app)
    engine = db.database(empty_app).engine
    command.upgrade(config, "0014")
    with engine.begin() as connection:
        symposium = old_symposium(connection)
        connection.execute(SETTINGS, {"s": symposium, "no": False})
        for number, status in enumerate(["confirmed", "confirmed", "waiting", "cancelled"]):
            old_registration(connection, symposium, f"p{number}@example.pe", status=status)
    command.upgrade(config, "0015")

    def taken(connection: sa.Connection, symposium: int) -> int:
        query = "SELECT places_taken FROM registration_settings WHERE symposium_id = :s"
        return connection.scalar(sa.text(query), {"s": symposium})

    def change(connection: sa.Connection, statement: str, email: str, **values: int) -> None:
        connection.execute(sa.text(statement + " WHERE email = :email"), {"email": email, **values})

    with engine.begin() as connection:
        assert taken(connection, symposium) == 2
        old_registration(connection, symposium, "new@example.pe")
        old_registration(connection, symposium, "late@example.pe", status="waiting")
        assert taken(connection, symposium) == 3
        change(connection, "UPDATE registration SET status = 'confirmed'", "p2@example.pe")
        change(connection, "UPDATE registration SET status = 'cancelled'", "p0@example.pe")
        change(connection, "UPDATE registration SET given_name = 'Ana'", "p1@example.pe")
        assert taken(connection, symposium) == 3
        change(connection, "DELETE FROM registration", "p1@example.pe")
        change(connection, "DELETE FROM registration", "p3@example.pe")  # was cancelled
        assert taken(connection, symposium) == 2
        # Moved to another symposium, whose settings row comes after its registrations.
        other = old_symposium(connection, "Other")
        old_registration(connection, other, "early@example.pe")
        connection.execute(SETTINGS, {"s": other, "no": False})
        assert taken(connection, other) == 1
        moved = "UPDATE registration SET symposium_id = :other"
        change(connection, moved, "new@example.pe", other=other)
        assert (taken(connection, symposium), taken(connection, other)) == (1, 2)
    command.downgrade(config, "0014")
    with engine.begin() as connection:
        old_registration(connection, symposium, "after@example.pe")  # no trigger left to fail
        columns = sa.inspect(connection).get_columns("registration_settings")
        assert "places_taken" not in {column["name"] for column in columns}
