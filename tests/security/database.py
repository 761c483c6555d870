"""Every table's rows at once: snapshots to compare and to put the database back to."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from symposium import db
from tests.conftest import delete_written_rows, written_tables


def database_rows(app: Flask, *only: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (or of the tables named), but the reference data, in
    primary-key order."""
    with db.database(app).engine.connect() as connection:
        return {
            table.name: [
                dict(row._mapping)
                for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in written_tables()
            if not only or table.name in only
        }


def restore_rows(app: Flask, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Put every table back to ``rows`` (what ``database_rows`` returned)."""
    with db.database(app).engine.begin() as connection:
        delete_written_rows(connection, restart_ids=False)  # the rows come back with their ids
        for table in written_tables():
            if rows[table.name]:
                connection.execute(table.insert(), rows[table.name])


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))
