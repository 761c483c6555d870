"""A nomination link sent with "Send a new link" keeps who sent it, so that the button pressed
again on an older page can say who just did.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nomination_link", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issued_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_nomination_link_issued_by_id_user_account"),
            "user_account",
            ["issued_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("nomination_link", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_nomination_link_issued_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("issued_by_id")
