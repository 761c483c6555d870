"""The agenda: speakers, items of each day and their people; the longest day of a symposium.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 13:07:04.297732
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "agenda_speaker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("symposium_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("economy_id", sa.Integer(), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("sex", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["economy_id"], ["economy.id"], name=op.f("fk_agenda_speaker_economy_id_economy")
        ),
        sa.ForeignKeyConstraint(
            ["symposium_id"],
            ["symposium.id"],
            name=op.f("fk_agenda_speaker_symposium_id_symposium"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_speaker")),
    )
    with op.batch_alter_table("agenda_speaker", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agenda_speaker_symposium_id"), ["symposium_id"], unique=False
        )

    op.create_table(
        "agenda_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["day_id"],
            ["symposium_day.id"],
            name=op.f("fk_agenda_item_day_id_symposium_day"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_item")),
    )
    with op.batch_alter_table("agenda_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_item_day_id"), ["day_id"], unique=False)

    op.create_table(
        "agenda_item_person",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["agenda_item.id"],
            name=op.f("fk_agenda_item_person_item_id_agenda_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["speaker_id"],
            ["agenda_speaker.id"],
            name=op.f("fk_agenda_item_person_speaker_id_agenda_speaker"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "item_id", "speaker_id", "role", name=op.f("pk_agenda_item_person")
        ),
    )
    with op.batch_alter_table("symposium", schema=None) as batch_op:
        batch_op.add_column(sa.Column("daily_max_minutes", sa.Integer(), nullable=True))
    # Symposia set up before this version get the same limit new ones default to.
    op.execute("UPDATE symposium SET daily_max_minutes = 180")


def downgrade() -> None:

    with op.batch_alter_table("symposium", schema=None) as batch_op:
        batch_op.drop_column("daily_max_minutes")

    op.drop_table("agenda_item_person")
    with op.batch_alter_table("agenda_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_item_day_id"))

    op.drop_table("agenda_item")
    with op.batch_alter_table("agenda_speaker", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_speaker_symposium_id"))

    op.drop_table("agenda_speaker")
