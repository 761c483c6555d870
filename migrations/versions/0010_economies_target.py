"""A target for the number of APEC economies represented among the attendees.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 20:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("symposium", schema=None) as batch_op:
        batch_op.add_column(sa.Column("target_economies", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("symposium", schema=None) as batch_op:
        batch_op.drop_column("target_economies")
