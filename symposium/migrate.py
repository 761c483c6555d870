"""Schema migrations (Alembic, in the top-level ``migrations/`` folder) and reference data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask

from symposium import db
from symposium.economies import sync_economies

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(app: Flask) -> Config:
    """An Alembic configuration pointing at ``app``'s database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = db.database(app).engine
    return config


def current_revision(app: Flask) -> str | None:
    """The revision the database's schema is at (None: no schema yet)."""
    from alembic.runtime.migration import MigrationContext

    with db.database(app).engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(app: Flask, revision: str = "head") -> None:
    """Bring the schema to ``revision`` and the reference data up to date."""
    command.upgrade(alembic_config(app), revision)
    if revision == "head":
        with db.database(app).sessionmaker.begin() as session:
            sync_economies(session)
