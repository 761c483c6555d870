"""The outbox's index on status becomes an index on status then id: a worker's claim reads the
due mails of a status in the order it sends them, and stops after a batch, instead of sorting
every due mail for each batch.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 21:00:00
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain index statements (no batch mode): SQLite runs them without rebuilding the table.
    op.create_index("ix_outbox_message_status_id", "outbox_message", ["status", "id"])
    op.drop_index("ix_outbox_message_status", table_name="outbox_message")


def downgrade() -> None:
    op.create_index("ix_outbox_message_status", "outbox_message", ["status"])
    op.drop_index("ix_outbox_message_status_id", table_name="outbox_message")
