"""Registrations and agenda speakers keep their name's key (no accents, case or word order), so
a registrant who is also on the agenda is found by a query whatever way the name was typed.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 04:00:00
"""

import sqlalchemy as sa
from alembic import op

from symposium.names import name_key

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    for table in ("registration", "agenda_speaker"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("name_key", sa.Text(), nullable=False, server_default=""))
    connection = op.get_bind()
    _fill(connection, "registration", ("given_name", "family_name"))
    _fill(connection, "agenda_speaker", ("name",))


def _fill(connection: sa.Connection, table: str, columns: tuple[str, ...]) -> None:
    """Each row's key from its name columns, in batches (a large symposium has many)."""
    rows = sa.table(table, sa.column("id"), sa.column("name_key"), *map(sa.column, columns))
    update = (
        rows.update()
        .where(rows.c.id == sa.bindparam("row_id"))
        .values(name_key=sa.bindparam("key"))
    )
    last = 0
    while True:
        batch = connection.execute(
            sa.select(rows.c.id, *(rows.c[c] for c in columns))
            .where(rows.c.id > last)
            .order_by(rows.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        keys = [{"row_id": row[0], "key": name_key(*row[1:])} for row in batch]
        if named := [k for k in keys if k["key"]]:  # an erased name keeps the empty key
            connection.execute(update, named)
        last = batch[-1][0]


def downgrade() -> None:
    for table in ("agenda_speaker", "registration"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("name_key")
