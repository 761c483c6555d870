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


def test_registrations_and_speakers_made_before_name_keys_get_theirs(empty_app):
    """Migration 0012: the keys that match a registrant with an agenda speaker whatever way the
    name was typed are computed for the rows already there (an erased name keeps none)."""
    config = migrate.alembic_config(empty_app)
    engine = db.database(empty_app).engine
    command.upgrade(config, "0011")
    now = dt.datetime(2026, 1, 1)
    with engine.begin() as connection:
        run = connection.execute
        economy = "INSERT INTO economy (id, code, name, timezone, is_member, position) "
        run(sa.text(economy + "VALUES (1, 'PE', 'Peru', 'America/Lima', :yes, 1)"), {"yes": True})
        symposium = run(
            sa.text(
                "INSERT INTO symposium (title, project_number, forum, po_name, po_email, "
                "host_timezone, platform_name, languages, agenda_version, created_at, "
                "updated_at) VALUES ('Old', 'SME 01 2026A', 'SMEWG', 'Ana', 'ana@example.org', "
                "'America/Lima', 'Zoom', '[]', 'v1', :now, :now) RETURNING id"
            ),
            {"now": now},
        ).scalar_one()
        for given, family, email in [("José", "Pérez", "jose@example.pe"), ("", "", None)]:
            run(
                sa.text(
                    "INSERT INTO registration (symposium_id, given_name, family_name, "
                    "family_name_first, email, economy_id, organisation, organisation_type, "
                    "job_title, sex, youth, role, status, timezone, accessibility_needs, "
                    "privacy_notice_version, consent_evaluation, created_at, updated_at) VALUES "
                    "(:s, :given, :family, :no, :email, 1, '', '', '', 'Male', :no, "
                    "'participant', 'confirmed', 'America/Lima', '', 1, :no, :now, :now)"
                ),
                {"s": symposium, "given": given, "family": family, "email": email,
                 "no": False, "now": now},
            )  # fmt: skip
        run(sa.text("INSERT INTO agenda_speaker (symposium_id, name, sex) "
                    "VALUES (:s, 'PÉREZ, josé', 'Male')"), {"s": symposium})  # fmt: skip
    command.upgrade(config, "0012")
    with engine.connect() as connection:
        keys = connection.execute(sa.text("SELECT name_key FROM registration ORDER BY id"))
        speaker = connection.scalar(sa.text("SELECT name_key FROM agenda_speaker"))
        assert list(keys.scalars()) == ["jose perez", ""]
        assert speaker == "jose perez"
