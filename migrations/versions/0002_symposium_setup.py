"""The symposium set-up: symposia, their days and their invited economies.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "symposium",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("project_number", sa.String(length=40), nullable=False),
        sa.Column("forum", sa.String(length=200), nullable=False),
        sa.Column("po_name", sa.String(length=200), nullable=False),
        sa.Column("po_email", sa.String(length=254), nullable=False),
        sa.Column("host_timezone", sa.String(length=64), nullable=False),
        sa.Column("platform_name", sa.String(length=100), nullable=False),
        sa.Column("platform_url", sa.String(length=500), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("interpretation", sa.String(length=300), nullable=True),
        sa.Column("nomination_deadline", sa.Date(), nullable=True),
        sa.Column("registration_deadline", sa.Date(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("target_women_participants_pct", sa.Integer(), nullable=True),
        sa.Column("target_women_speakers_pct", sa.Integer(), nullable=True),
        sa.Column("target_attendees", sa.Integer(), nullable=True),
        sa.Column("target_knowledge_pct", sa.Integer(), nullable=True),
        sa.Column("target_collaboration_pct", sa.Integer(), nullable=True),
        sa.Column("target_women_or_youth_pct", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_symposium")),
    )
    op.create_table(
        "symposium_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("symposium_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["symposium_id"],
            ["symposium.id"],
            name=op.f("fk_symposium_day_symposium_id_symposium"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_symposium_day")),
        sa.UniqueConstraint("symposium_id", "number", name=op.f("uq_symposium_day_symposium_id")),
    )
    op.create_table(
        "symposium_economy",
        sa.Column("symposium_id", sa.Integer(), nullable=False),
        sa.Column("economy_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["economy_id"], ["economy.id"], name=op.f("fk_symposium_economy_economy_id_economy")
        ),
        sa.ForeignKeyConstraint(
            ["symposium_id"],
            ["symposium.id"],
            name=op.f("fk_symposium_economy_symposium_id_symposium"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("symposium_id", "economy_id", name=op.f("pk_symposium_economy")),
    )


def downgrade() -> None:
    op.drop_table("symposium_economy")
    op.drop_table("symposium_day")
    op.drop_table("symposium")
