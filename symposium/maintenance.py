"""Backups and restores behind ``flask backup`` and ``flask restore`` (``flask check`` is in
``symposium.checks``).

SQLite is copied page by page with its online backup API, consistent while the app runs.
PostgreSQL is dumped with ``pg_dump`` (custom format) limited to the schema the app works in,
and restored in one transaction that replaces that schema, so a failed restore changes nothing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

CLIENT_TOOLS = "install PostgreSQL's client tools (Debian: apt-get install postgresql-client)"


class MaintenanceError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


# --- SQLite -------------------------------------------------------------------------------


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for any other database."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise MaintenanceError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(parsed.database)


def backup_sqlite(database: Path, output: Path) -> None:
    """Copy ``database`` to the new file ``output`` with SQLite's online backup API."""
    if not database.exists():
        raise MaintenanceError(f"There is no database at {database}.")
    source, target = sqlite3.connect(database), sqlite3.connect(output)
    try:
        source.backup(target)
        # One self-contained file, whatever journal mode the live database uses.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        source.close()
        target.close()


def _check_sqlite_backup(backup: Path) -> None:
    try:
        connection = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            healthy = connection.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise MaintenanceError(f"{backup} is not a SQLite backup ({error}).") from None
    if not healthy or "alembic_version" not in tables:
        raise MaintenanceError(f"{backup} is not a backup of this application's database.")


def restore_sqlite(backup: Path, database: Path) -> None:
    """Replace the content of ``database`` with that of the SQLite file ``backup``."""
    _check_sqlite_backup(backup)
    source, target = sqlite3.connect(f"file:{backup}?mode=ro", uri=True), sqlite3.connect(database)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


# --- PostgreSQL -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientCommand:
    """A PostgreSQL client program to run: its arguments and its environment. The password
    travels in the environment (PGPASSWORD), never in the arguments others can list."""

    argv: list[str]
    env: dict[str, str]


def libpq_environment(url: str) -> dict[str, str]:
    """The PG* variables that point libpq at the database of ``url``."""
    parsed = sa.engine.make_url(url)
    values = {
        "PGHOST": parsed.host or parsed.query.get("host"),
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGDATABASE": parsed.database,
        "PGSSLMODE": parsed.query.get("sslmode"),
    }
    return {name: str(value) for name, value in values.items() if value}


def pg_dump_command(url: str, schema: str, output: Path) -> ClientCommand:
    """``pg_dump`` of ``schema`` alone (other schemas may belong to others) to ``output``."""
    argv = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"]
    argv += [f"--schema={schema}", f"--file={output}"]
    return ClientCommand(argv, libpq_environment(url))


def psql_restore_command(url: str, schema: str, script: Path) -> ClientCommand:
    """``psql`` running, in one transaction, the drop of ``schema`` and then ``script`` (which
    creates it again): all of it happens, or none."""
    quoted = '"' + schema.replace('"', '""') + '"'
    argv = ["psql", "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1"]
    argv += [f"--command=DROP SCHEMA IF EXISTS {quoted} CASCADE", f"--file={script}"]
    # Wait at most a minute for tables in use instead of hanging behind a running server.
    env = {**libpq_environment(url), "PGOPTIONS": "-c lock_timeout=60s"}
    return ClientCommand(argv, env)


def _run(command: ClientCommand) -> str:
    """Run a client program; its standard output, or MaintenanceError with its complaint."""
    program = command.argv[0]
    executable = shutil.which(program)
    if executable is None:
        raise MaintenanceError(f"{program} is not installed: {CLIENT_TOOLS}.")
    done = subprocess.run(  # noqa: S603 (no shell; the arguments are built in this module)
        [executable, *command.argv[1:]],
        env={**os.environ, **command.env},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise MaintenanceError(f"{program} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def current_schema(engine: sa.Engine) -> str:
    """The schema the app's tables live in (``public`` unless the URL sets a search_path)."""
    with engine.connect() as connection:
        return connection.scalar(sa.text("SELECT current_schema()"))


def backup_postgres(url: str, engine: sa.Engine, output: Path) -> str:
    """Dump the app's schema to ``output``; returns the schema's name."""
    schema = current_schema(engine)
    _run(pg_dump_command(url, schema, output))
    return schema


def _archive_schemas(backup: Path) -> set[str]:
    """The schemas a pg_dump archive creates (from its table of contents)."""
    listing = _run(ClientCommand(["pg_restore", "--list", str(backup)], {}))
    schemas = set()
    for line in listing.splitlines():
        parts = line.split()
        if not line.startswith(";") and len(parts) >= 6 and parts[3:5] == ["SCHEMA", "-"]:
            schemas.add(parts[5])
    return schemas


def restore_postgres(url: str, engine: sa.Engine, backup: Path) -> str:
    """Replace the app's schema with the one in the archive ``backup``; returns its name."""
    schema = current_schema(engine)
    if shutil.which("pg_restore") is None:
        raise MaintenanceError(f"pg_restore is not installed: {CLIENT_TOOLS}.")
    try:
        found = _archive_schemas(backup)
    except MaintenanceError:
        raise MaintenanceError(f"{backup} is not a pg_dump archive.") from None
    if found != {schema}:
        names = ", ".join(sorted(found)) or "no schema"
        raise MaintenanceError(
            f"{backup} holds {names}, not the schema {schema} this app uses; restore it with "
            "pg_restore by hand."
        )
    engine.dispose()  # our own idle connections must not hold the tables
    with tempfile.TemporaryDirectory(prefix="symposium-restore-") as folder:
        script = Path(folder) / "restore.sql"
        # The whole script first: run while pg_restore is still reading, a cut-off archive
        # would otherwise be committed half restored.
        _run(
            ClientCommand(
                ["pg_restore", "--no-owner", "--no-privileges", f"--file={script}", str(backup)], {}
            )
        )
        _run(psql_restore_command(url, schema, script))
    return schema


# --- both -----------------------------------------------------------------------------------


def describe(url: str) -> str:
    """The database of ``url`` as people name it, without the password."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite database {parsed.database}"
    return "PostgreSQL database " + parsed.render_as_string(hide_password=True)


def backup(url: str, engine: sa.Engine, output: Path) -> str:
    """Back the database up to the new file ``output``; returns what was backed up."""
    if output.exists():
        raise MaintenanceError(f"{output} exists already; choose a new file name.")
    # It holds every registrant's personal data: readable by its owner only, from the start.
    try:
        output.touch(mode=0o600, exist_ok=False)
    except OSError as error:
        raise MaintenanceError(f"Cannot write {output}: {error.strerror}.") from None
    path = sqlite_path(url)
    try:
        if path is not None:
            backup_sqlite(path, output)
            return describe(url)
        return f"schema {backup_postgres(url, engine, output)} of {describe(url)}"
    except BaseException:
        output.unlink(missing_ok=True)  # no half-written or empty backup left behind
        raise


def restore(url: str, engine: sa.Engine, backup_file: Path) -> str:
    """Replace everything in the database with the backup; returns what was restored."""
    path = sqlite_path(url)
    if path is not None:
        restore_sqlite(backup_file, path)
        return describe(url)
    return f"schema {restore_postgres(url, engine, backup_file)} of {describe(url)}"
