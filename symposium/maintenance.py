"""Backups, restores and the configuration check behind ``flask backup``, ``flask restore`` and
``flask check``.

SQLite is copied page by page with its online backup API, consistent while the app runs.
PostgreSQL is dumped with ``pg_dump`` (custom format) limited to the schema the app works in,
and restored in one transaction that replaces that schema, so a failed restore changes nothing.
The checks return plain results; the command prints them.
"""

from __future__ import annotations

import os
import secrets
import shutil
import smtplib
import sqlite3
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from symposium.db import normalise_url

MIN_SECRET_KEY_LENGTH = 32
CONNECT_TIMEOUT = 5  # seconds, for the database and the mail server in `flask check`
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


# --- flask check ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One verdict of ``flask check``: what was checked, whether it is fine, and what was found
    (or what to do about it)."""

    name: str
    ok: bool
    message: str


def is_production(config: Mapping[str, Any]) -> bool:
    """PostgreSQL or a public https address: the set-up is meant for real users."""
    base_url = config.get("BASE_URL") or ""
    return sqlite_path(config["DATABASE_URL"]) is None or base_url.startswith("https://")


def _check_engine(url: str) -> sa.Engine:
    if sqlite_path(url) is not None:
        return sa.create_engine(normalise_url(url))
    return sa.create_engine(normalise_url(url), connect_args={"connect_timeout": CONNECT_TIMEOUT})


def check_database(url: str, migrations: Path) -> Check:
    """Reachable, and its schema at the newest migration."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return Check("database", False, f"no database at {path}: run flask db upgrade")
    newest = ScriptDirectory(str(migrations)).get_current_head()
    engine = _check_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except sa.exc.SQLAlchemyError as error:
        reason = str(error.orig if hasattr(error, "orig") else error).strip().splitlines()[0]
        return Check(
            "database", False, f"cannot connect to {describe(url)} ({reason}): check DATABASE_URL"
        )
    finally:
        engine.dispose()
    if current is None:
        return Check("database", False, f"{describe(url)} has no schema: run flask db upgrade")
    if current != newest:
        return Check(
            "database",
            False,
            f"schema at {current}, the newest is {newest}: run flask db upgrade",
        )
    return Check("database", True, f"{describe(url)} reachable, schema at {current} (the newest)")


def _smtp_session(config: Mapping[str, Any]) -> None:
    """Greet the SMTP server as the workers do (TLS and login included), then leave."""
    host, port = config["MAIL_HOST"], config["MAIL_PORT"]
    factory = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with factory(host, port, timeout=CONNECT_TIMEOUT) as connection:
        if config["MAIL_USE_STARTTLS"] and not config["MAIL_USE_SSL"]:
            connection.starttls()
        if config.get("MAIL_USERNAME"):
            connection.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        connection.noop()


def check_mail(config: Mapping[str, Any]) -> Check:
    """The mail backend can deliver: the SMTP server answers, or the folder is writable."""
    backend = config["MAIL_BACKEND"]
    if backend == "smtp":
        where = f"{config['MAIL_HOST']}:{config['MAIL_PORT']}"
        try:
            _smtp_session(config)
        except smtplib.SMTPAuthenticationError as error:
            return Check(
                "mail",
                False,
                f"{where} refused the login ({error.smtp_code}): check "
                "MAIL_USERNAME and MAIL_PASSWORD",
            )
        except (OSError, smtplib.SMTPException) as error:
            return Check(
                "mail",
                False,
                f"no SMTP session with {where} ({type(error).__name__}: "
                f"{error}): check MAIL_HOST, MAIL_PORT and MAIL_USE_STARTTLS/SSL",
            )
        return Check("mail", True, f"SMTP server {where} answers")
    if backend == "file":
        folder = Path(config["MAIL_FILE_DIR"])
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".check-{secrets.token_hex(4)}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            return Check(
                "mail",
                False,
                f"cannot write mail files to {folder} ({error.strerror}):"
                " fix MAIL_FILE_DIR or its permissions",
            )
        note = "; set MAIL_BACKEND=smtp to send real mail" if is_production(config) else ""
        return Check("mail", not note, f"mail is written as .eml files to {folder}{note}")
    return Check("mail", False, f"MAIL_BACKEND is {backend!r}: use smtp or file")


def check_secret_key(secret_key: str, instance_key: str | None, production: bool) -> Check:
    """Long enough, and set by the operator in production rather than made up by the app."""
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        return Check(
            "secret key",
            False,
            f"SECRET_KEY has {len(secret_key)} characters; set one "
            f"of at least {MIN_SECRET_KEY_LENGTH} (python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')",
        )
    if secret_key == instance_key:
        if production:
            return Check(
                "secret key",
                False,
                "SECRET_KEY is not set: the app uses the random "
                "key in instance/secret_key; set SECRET_KEY in the environment",
            )
        return Check("secret key", True, "the random key in instance/secret_key (fine for a demo)")
    return Check("secret key", True, "SECRET_KEY is set and long enough")


def check_addresses(config: Mapping[str, Any]) -> Check:
    """BASE_URL set in production, and cookies sent over HTTPS only when it is https."""
    base_url = config.get("BASE_URL") or ""
    if base_url.startswith("https://") and not config.get("SESSION_COOKIE_SECURE"):
        return Check(
            "address",
            False,
            f"BASE_URL is {base_url} but SESSION_COOKIE_SECURE is "
            "off: set SESSION_COOKIE_SECURE=true",
        )
    if not base_url and (is_production(config) or config.get("MAIL_BACKEND") == "smtp"):
        return Check(
            "address",
            False,
            "BASE_URL is not set: links in mails sent by the workers would point at localhost,"
            " and those sent from a page would take the address the visitor's request names"
            " (a forged one would mail someone a link to another site); set it to the public"
            " https address",
        )
    if not base_url:
        return Check("address", True, "BASE_URL not set: links use the request's own address")
    return Check("address", True, f"BASE_URL {base_url}")


def run_checks(config: Mapping[str, Any], instance_path: Path, migrations: Path) -> list[Check]:
    """Every check of ``flask check``, in the order it prints them."""
    key_file = instance_path / "secret_key"
    instance_key = key_file.read_text().strip() if key_file.exists() else None
    return [
        check_database(config["DATABASE_URL"], migrations),
        check_mail(config),
        check_secret_key(config["SECRET_KEY"] or "", instance_key, is_production(config)),
        check_addresses(config),
    ]
