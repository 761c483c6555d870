"""The registration table's own index on symposium_id goes: the unique index on
(symposium_id, email) starts with that column and serves every search by symposium, and each
registration had one more index to write.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 03:10:00
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_registration_symposium_id", table_name="registration")


def downgrade() -> None:
    op.create_index("ix_registration_symposium_id", "registration", ["symposium_id"])
