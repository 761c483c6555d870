"""A symposium keeps the dates its set-up was changed from, so the circular's texts that still
say them can be found.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "superseded_date",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("symposium_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("day_number", sa.Integer(), nullable=True),
        sa.Column("old_date", sa.Date(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["symposium_id"],
            ["symposium.id"],
            name=op.f("fk_superseded_date_symposium_id_symposium"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_superseded_date")),
    )
    with op.batch_alter_table("superseded_date", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_superseded_date_symposium_id"), ["symposium_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("superseded_date", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_superseded_date_symposium_id"))
    op.drop_table("superseded_date")
