"""Command-line tools: ``flask db …`` for the schema and ``flask users …`` for accounts."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click
import sqlalchemy as sa
from alembic import command
from alembic.util import CommandError
from flask import Flask, current_app
from flask.cli import AppGroup

from symposium import db, maintenance_cli, migrate
from symposium.accounts import AccountError, create_user, set_password
from symposium.models import Role, User
from symposium.outbox_cli import outbox_cli

db_cli = AppGroup("db", help="Create or upgrade the database schema.")
users_cli = AppGroup("users", help="Manage organiser and viewer accounts.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the schema to REVISION (default: the newest) and refresh reference data."""
    before = migrate.current_revision(current_app)
    migrate.upgrade(current_app, revision)
    after = migrate.current_revision(current_app)
    if after == before:
        click.echo(f"The schema is at {after}; nothing to upgrade (downgrade goes back).")
    else:
        click.echo(f"Database upgraded from {before or 'nothing'} to {after}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION (data in dropped tables is lost)."""
    command.downgrade(migrate.alembic_config(current_app), revision)


@db_cli.command("current")
def db_current() -> None:
    """Show the schema's revision."""
    command.current(migrate.alembic_config(current_app), verbose=False)


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does.")
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    command.revision(migrate.alembic_config(current_app), message=message, autogenerate=True)


@users_cli.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.ORGANISER.value,
    show_default=True,
)
@click.password_option(help="The password; asked for (twice) when not given.")
def users_create(email: str, role: str, password: str) -> None:
    """Create an account for EMAIL."""
    with db.database().sessionmaker.begin() as session:
        try:
            user = create_user(session, email, password, role)
        except AccountError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Created {user.role} account {user.email}.")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option(help="The new password; asked for (twice) when not given.")
def users_set_password(email: str, password: str) -> None:
    """Set a new password for EMAIL."""
    with db.database().sessionmaker.begin() as session:
        user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"No account for {email}.")
        try:
            set_password(user, password)
        except AccountError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Password changed for {user.email}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(outbox_cli)
    maintenance_cli.init_app(app)  # flask backup, restore, check


# Errors an operator meets on the command line, as what to do instead of a traceback.
def _explained(error: Exception) -> str:
    """What a database or migration error means for the operator."""
    if isinstance(error, CommandError):
        return f"{error} (flask db current shows where the schema stands)"
    first = str(getattr(error, "orig", error)).strip().splitlines()[0]
    if "no schema has been selected" in first:
        return (
            f"{first}: the schema DATABASE_URL names (options=-csearch_path=…) does not exist; "
            "create it first (CREATE SCHEMA …)"
        )
    if "database" in first and "does not exist" in first:
        return f"{first}: create it, or fix DATABASE_URL"
    if "no such table" in first or "does not exist" in first:
        return f"{first}: the database has no schema yet, or an older one; run flask db upgrade"
    return f"the database cannot be reached ({first}): check DATABASE_URL; flask check says more"


def _with_plain_errors(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError, CommandError) as error:
            raise click.ClickException(_explained(error)) from error

    return run


def explain_errors(group: click.Group) -> None:
    """Give every command of ``group`` (and of its groups) plain messages for a database that
    cannot be reached or has no schema yet, and for a migration revision that does not exist."""
    for command_ in group.commands.values():
        if isinstance(command_, click.Group):
            explain_errors(command_)
        elif command_.callback is not None:
            command_.callback = _with_plain_errors(command_.callback)
