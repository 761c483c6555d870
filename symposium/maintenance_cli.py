"""``flask backup``, ``flask restore`` and ``flask check``: the operator's commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from symposium import checks, db, maintenance, migrate


@click.command("backup")
@with_appcontext
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(output: Path) -> None:
    """Copy the whole database to the new file OUTPUT, while the app runs.

    SQLite: a database file (SQLite's online backup API). PostgreSQL: a pg_dump archive of the
    app's schema (pg_dump must be installed, in the server's version or newer).
    """
    url = current_app.config["DATABASE_URL"]
    try:
        what = maintenance.backup(url, db.database().engine, output)
    except maintenance.MaintenanceError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up {what} to {output}.")


@click.command("restore")
@with_appcontext
@click.argument("backup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
def restore_command(backup: Path, yes: bool) -> None:
    """Replace everything in the database with the backup file BACKUP.

    Stop the app servers and the outbox workers first. On PostgreSQL the restore runs in one
    transaction: if it fails, the database is left as it was. Run `flask db upgrade` after
    restoring a backup made by an older version.
    """
    url = current_app.config["DATABASE_URL"]
    if not yes:
        click.confirm(
            f"Replace everything in {maintenance.describe(url)} with {backup}?", abort=True
        )
    try:
        what = maintenance.restore(url, db.database().engine, backup)
    except maintenance.MaintenanceError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Restored {what} from {backup}. If it came from an older version, run flask db upgrade."
    )


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Check the configuration: the database, the mail backend, the secret key and the address.

    Prints each check with OK or PROBLEM and what to do; exits with 1 if anything is wrong.
    """
    app = current_app
    verdicts = checks.run_checks(app.config, Path(app.instance_path), migrate.MIGRATIONS_DIR)
    for check in verdicts:
        click.echo(f"{'OK' if check.ok else 'PROBLEM':8} {check.name:11} {check.message}")
    problems = sum(1 for check in verdicts if not check.ok)
    if problems:
        click.echo(
            f"{problems} problem{'s' if problems > 1 else ''}: fix and run flask check again."
        )
        raise SystemExit(1)
    click.echo("Everything checked is fine.")


def init_app(app: Flask) -> None:
    """Add the commands to ``flask``."""
    for command in (backup_command, restore_command, check_command):
        app.cli.add_command(command)
