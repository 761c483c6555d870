"""A speaker erased with the registration of the same person remembers which one, so the
completion report still counts them once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 20:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agenda_speaker", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_registration_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agenda_speaker", schema=None) as batch_op:
        batch_op.drop_column("erased_registration_id")
