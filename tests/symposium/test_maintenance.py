"""``flask backup`` / ``flask restore`` (a backup restored brings every row back, on SQLite and
PostgreSQL) and ``flask check`` (each problem named with what to do)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from symposium import checks, db, maintenance, migrate
from symposium.db import Base
from symposium.models import Symposium
from symposium.outbox import queue_mail
from tests.conftest import make_app

LONG_KEY = "k" * 48


def contents(app) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: what a restore must bring back."""
    with db.database(app).engine.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(table.select())), key=repr)
            for table in Base.metadata.sorted_tables
        }


def needs_client_tools(app) -> None:
    postgres = maintenance.sqlite_path(app.config["DATABASE_URL"]) is None
    if postgres and not (shutil.which("pg_dump") and shutil.which("psql")):
        pytest.skip("PostgreSQL's client tools (pg_dump, pg_restore, psql) are not installed")


# --- backup and restore -------------------------------------------------------------------


def test_a_restored_backup_brings_back_every_row_as_it_was(
    app, runner, session, create_symposium_record, create_user_account, tmp_path
):
    needs_client_tools(app)
    first = create_symposium_record(title="Before the backup", capacity=40)
    create_user_account(email="po@example.org")
    queue_mail(session, "test:1", "person@example.org", "Hello", "Body")
    session.commit()
    before = contents(app)
    backup = tmp_path / "symposium.backup"

    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 0
    assert backup.stat().st_mode & 0o777 == 0o600  # personal data: its owner's eyes only

    first.title = "Changed after the backup"
    create_symposium_record(title="Made after the backup")
    queue_mail(session, "test:2", "other@example.org", "Later", "Body")
    session.commit()
    assert contents(app) != before
    session.close()  # a test's open transaction would hold the tables the restore replaces

    result = runner.invoke(args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output

    assert contents(app) == before
    # The restored database takes new rows (PostgreSQL's sequences came back too).
    again = create_symposium_record(title="After the restore")
    assert again.id > first.id
    titles = session.scalars(sa.select(Symposium.title).order_by(Symposium.id)).all()
    assert titles == ["Before the backup", "After the restore"]


def test_restore_asks_first_and_changes_nothing_when_told_no(
    app, runner, create_symposium_record, tmp_path
):
    needs_client_tools(app)
    backup = tmp_path / "symposium.backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    create_symposium_record(title="Kept")
    before = contents(app)

    result = runner.invoke(args=["restore", str(backup)], input="n\n")

    assert result.exit_code == 1 and "Replace everything in" in result.output
    assert contents(app) == before


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(
    app, runner, session, create_symposium_record, tmp_path
):
    needs_client_tools(app)
    create_symposium_record(title="Still here")
    session.close()
    before = contents(app)
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup at all\n" * 100)

    result = runner.invoke(args=["restore", "--yes", str(bogus)])

    assert result.exit_code == 1
    assert "is not a" in result.output
    assert contents(app) == before


def test_backup_never_overwrites_a_file(app, runner, tmp_path):
    existing = tmp_path / "yesterday.backup"
    existing.write_bytes(b"yesterday's backup")

    result = runner.invoke(args=["backup", str(existing)])

    assert result.exit_code == 1 and "exists already" in result.output
    assert existing.read_bytes() == b"yesterday's backup"


def test_a_sqlite_backup_is_one_self_contained_database_file(tmp_path):
    live = tmp_path / "live.sqlite3"
    with sqlite3.connect(live) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE alembic_version (version_num TEXT)")
        connection.execute("INSERT INTO alembic_version VALUES ('0007')")
    connection.close()

    maintenance.backup_sqlite(live, tmp_path / "copy.sqlite3")

    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [("0007",)]
    copy.close()


def test_pg_dump_gets_the_schema_of_the_url_and_the_password_only_in_its_environment():
    url = "postgresql://po:s3cret@db.example.org:5433/symposium?options=-csearch_path%3Dlive"

    command = maintenance.pg_dump_command(url, "live", Path("/backups/monday.dump"))

    assert command.argv[0] == "pg_dump"
    assert "--schema=live" in command.argv and "--file=/backups/monday.dump" in command.argv
    assert not any("s3cret" in argument for argument in command.argv)
    assert command.env == {
        "PGHOST": "db.example.org",
        "PGPORT": "5433",
        "PGUSER": "po",
        "PGPASSWORD": "s3cret",
        "PGDATABASE": "symposium",
    }


def test_the_restore_replaces_the_schema_in_one_transaction():
    command = maintenance.psql_restore_command(
        "postgresql://127.0.0.1/test", "live", Path("/var/backups/restore.sql")
    )

    assert "--single-transaction" in command.argv and "--set=ON_ERROR_STOP=1" in command.argv
    drop = command.argv.index('--command=DROP SCHEMA IF EXISTS "live" CASCADE')
    assert drop < command.argv.index("--file=/var/backups/restore.sql")
    assert "lock_timeout" in command.env["PGOPTIONS"]


def test_a_missing_client_tool_is_named_with_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(maintenance.shutil, "which", lambda program: None)
    url = "postgresql://127.0.0.1/test"
    command = maintenance.pg_dump_command(url, "public", tmp_path / "x.dump")

    with pytest.raises(maintenance.MaintenanceError, match=r"pg_dump is not installed.*apt-get"):
        maintenance._run(command)


# --- flask check --------------------------------------------------------------------------


def check_lines(output: str) -> dict[str, str]:
    """The verdict (OK / PROBLEM) of each check, by the check's name."""
    verdicts = {}
    for line in output.splitlines():
        verdict, _, rest = line.partition(" ")
        if verdict in {"OK", "PROBLEM"}:
            name = rest.strip().split("  ")[0]
            verdicts[name] = verdict
    return verdicts


def test_check_passes_a_production_configuration(app, runner, smtp_server):
    app.config.update(
        SECRET_KEY=LONG_KEY,
        MAIL_BACKEND="smtp",
        MAIL_HOST=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        BASE_URL="https://symposium.example.org",
        SESSION_COOKIE_SECURE=True,
    )

    result = runner.invoke(args=["check"])

    assert result.exit_code == 0, result.output
    assert check_lines(result.output) == {
        "database": "OK",
        "mail": "OK",
        "secret key": "OK",
        "address": "OK",
    }
    assert "(the newest)" in result.output


def test_check_names_each_problem_and_what_to_do(app, runner):
    app.config.update(
        SECRET_KEY="dev",
        MAIL_BACKEND="smtp",
        MAIL_HOST="127.0.0.1",
        MAIL_PORT=1,  # nothing listens there
        BASE_URL="https://symposium.example.org",
        SESSION_COOKIE_SECURE=False,
    )

    result = runner.invoke(args=["check"])

    assert result.exit_code == 1
    assert check_lines(result.output) == {
        "database": "OK",
        "mail": "PROBLEM",
        "secret key": "PROBLEM",
        "address": "PROBLEM",
    }
    assert "check MAIL_HOST, MAIL_PORT" in result.output
    assert "SECRET_KEY has 3 characters" in result.output
    assert "set SESSION_COOKIE_SECURE=true" in result.output
    assert "3 problems" in result.output


def test_check_wants_the_public_address_once_real_mail_goes_out(app, runner, smtp_server):
    """Without BASE_URL, a link mailed from a page follows the request's Host header, which
    anyone can forge: with SMTP configured, even on SQLite, that is a problem."""
    app.config.update(
        SECRET_KEY=LONG_KEY,
        MAIL_BACKEND="smtp",
        MAIL_HOST=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        BASE_URL=None,
    )

    result = runner.invoke(args=["check"])

    assert result.exit_code == 1
    assert check_lines(result.output)["address"] == "PROBLEM"
    assert "a forged one would mail someone a link to another site" in result.output


def test_check_finds_a_mail_folder_it_cannot_write_to(app, runner, tmp_path):
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("")
    app.config.update(
        SECRET_KEY=LONG_KEY, MAIL_BACKEND="file", MAIL_FILE_DIR=str(in_the_way / "mail")
    )

    result = runner.invoke(args=["check"])

    assert result.exit_code == 1
    assert check_lines(result.output)["mail"] == "PROBLEM"
    assert "fix MAIL_FILE_DIR" in result.output


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///{folder}/missing.sqlite3", "no database at"),
        ("sqlite:///{folder}/empty.sqlite3", "has no schema: run flask db upgrade"),
        ("postgresql://127.0.0.1:1/nothing", "cannot connect to PostgreSQL database"),
    ],
)
def test_check_finds_a_database_missing_unreachable_or_not_upgraded(tmp_path, url, expected):
    sqlite3.connect(tmp_path / "empty.sqlite3").close()

    verdict = checks.check_database(url.format(folder=tmp_path), migrate.MIGRATIONS_DIR)

    assert not verdict.ok and expected in verdict.message


def test_check_finds_a_schema_behind_the_newest_migration(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = make_app(url, tmp_path)
    migrate.upgrade(app, "0001")
    db.database(app).engine.dispose()

    verdict = checks.check_database(url, migrate.MIGRATIONS_DIR)

    assert not verdict.ok
    assert "schema at 0001, the newest is" in verdict.message
    assert verdict.message.endswith("run flask db upgrade")


def test_the_instance_file_key_will_do_for_a_demo_but_not_in_production():
    key = "r" * 64
    assert checks.check_secret_key(key, instance_key=key, production=False).ok
    in_production = checks.check_secret_key(key, instance_key=key, production=True)
    assert not in_production.ok and "set SECRET_KEY in the environment" in in_production.message
    assert checks.check_secret_key(LONG_KEY, instance_key=key, production=True).ok
