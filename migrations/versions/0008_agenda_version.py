"""The symposium's agenda version, which a copy of the agenda kept between requests is checked
against.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 19:50:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("symposium", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("agenda_version", sa.String(length=32), nullable=False, server_default="")
        )
    # Each existing symposium gets a random version of its own, as new ones do: two databases
    # (a backup restored in place, say) never share a version for different agendas.
    symposium = sa.table("symposium", sa.column("id"), sa.column("agenda_version"))
    connection = op.get_bind()
    for (symposium_id,) in connection.execute(sa.select(symposium.c.id)).all():
        connection.execute(
            symposium.update()
            .where(symposium.c.id == symposium_id)
            .values(agenda_version=secrets.token_hex(8))
        )


def downgrade() -> None:
    with op.batch_alter_table("symposium", schema=None) as batch_op:
        batch_op.drop_column("agenda_version")
