"""Command-line tools: ``flask db …`` for the schema and ``flask users …`` for accounts."""

from __future__ import annotations

import click
import sqlalchemy as sa
from alembic import command
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
    migrate.upgrade(current_app, revision)
    click.echo(f"Database upgraded to {revision}.")


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
