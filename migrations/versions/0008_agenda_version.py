"""The symposium's agenda version, which a copy of the agenda kept between requests is checked
against.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 19:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("symposium", schema=None) as batch_op:
        # Existing symposia start from "" (unique per symposium id, which is all a key needs).
        batch_op.add_column(
            sa.Column("agenda_version", sa.String(length=32), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("symposium", schema=None) as batch_op:
        batch_op.drop_column("agenda_version")
