"""Each symposium's registration settings keep how many places are taken (confirmed
registrations), kept right by triggers on ``registration``: registering reads one number under
the symposium's lock instead of counting every registration before it.

The triggers fire on every insert, delete and change of status or symposium, whoever makes it.
On SQLite, a later migration that rebuilds ``registration`` in batch mode (move and copy) drops
them with the old table, and must create them again (``create_triggers``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_COUNT_EACH = (
    "UPDATE registration_settings SET places_taken = (SELECT count(*) FROM registration "
    "WHERE registration.symposium_id = registration_settings.symposium_id "
    "AND registration.status = 'confirmed')"
)

# The triggers by name: the table each is on, then what fires it and what it does on each
# database. A new settings row starts from a count of the registrations already there (by hand
# or by a test: the application makes the row before the first registration); then each way a
# registration can take or free a place moves the number by one (WHEN keeps the rest silent).
_TRIGGERS = {
    "places_counted": (
        "registration_settings",
        "AFTER INSERT ON registration_settings",
        "UPDATE registration_settings SET places_taken = (SELECT count(*) FROM registration "
        "WHERE symposium_id = NEW.symposium_id AND status = 'confirmed') "
        "WHERE symposium_id = NEW.symposium_id;",
        "BEFORE INSERT ON registration_settings FOR EACH ROW",
    ),
    "places_taken_insert": (
        "registration",
        "AFTER INSERT ON registration WHEN NEW.status = 'confirmed'",
        "UPDATE registration_settings SET places_taken = places_taken + 1 "
        "WHERE symposium_id = NEW.symposium_id;",
        "AFTER INSERT ON registration FOR EACH ROW WHEN (NEW.status = 'confirmed')",
    ),
    "places_taken_delete": (
        "registration",
        "AFTER DELETE ON registration WHEN OLD.status = 'confirmed'",
        "UPDATE registration_settings SET places_taken = places_taken - 1 "
        "WHERE symposium_id = OLD.symposium_id;",
        "AFTER DELETE ON registration FOR EACH ROW WHEN (OLD.status = 'confirmed')",
    ),
    "places_taken_update": (
        "registration",
        "AFTER UPDATE OF status, symposium_id ON registration "
        "WHEN OLD.status IS NOT NEW.status OR OLD.symposium_id IS NOT NEW.symposium_id",
        "UPDATE registration_settings SET places_taken = places_taken - 1 "
        "WHERE symposium_id = OLD.symposium_id AND OLD.status = 'confirmed'; "
        "UPDATE registration_settings SET places_taken = places_taken + 1 "
        "WHERE symposium_id = NEW.symposium_id AND NEW.status = 'confirmed';",
        "AFTER UPDATE OF status, symposium_id ON registration FOR EACH ROW "
        "WHEN (OLD.status IS DISTINCT FROM NEW.status "
        "OR OLD.symposium_id IS DISTINCT FROM NEW.symposium_id)",
    ),
}

# PostgreSQL's triggers call functions: one for the new settings row, one for registrations.
_POSTGRESQL_FUNCTIONS = {
    "places_counted": """
BEGIN
    NEW.places_taken := (SELECT count(*) FROM registration
        WHERE symposium_id = NEW.symposium_id AND status = 'confirmed');
    RETURN NEW;
END""",
    "places_taken": """
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.status = 'confirmed' THEN
            UPDATE registration_settings SET places_taken = places_taken - 1
            WHERE symposium_id = OLD.symposium_id;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.status = 'confirmed' THEN
            UPDATE registration_settings SET places_taken = places_taken + 1
            WHERE symposium_id = NEW.symposium_id;
        END IF;
    END IF;
    RETURN NULL;
END""",
}


def _function(trigger: str) -> str:
    return "places_counted" if trigger == "places_counted" else "places_taken"


def create_triggers() -> None:
    """The triggers that keep ``registration_settings.places_taken`` right."""
    if op.get_bind().dialect.name == "postgresql":
        for name, body in _POSTGRESQL_FUNCTIONS.items():
            op.execute(
                f"CREATE FUNCTION registration_{name}() RETURNS trigger LANGUAGE plpgsql "
                f"AS $${body}$$"
            )
        for name, (_, _, _, fired) in _TRIGGERS.items():
            function = f"registration_{_function(name)}"
            op.execute(f"CREATE TRIGGER {name} {fired} EXECUTE FUNCTION {function}()")
    else:
        for name, (_, fired, body, _) in _TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {fired} BEGIN {body} END")


def drop_triggers() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, (table, *_) in _TRIGGERS.items():
        op.execute(f"DROP TRIGGER {name}" + (f" ON {table}" if postgresql else ""))
    if postgresql:
        for name in _POSTGRESQL_FUNCTIONS:
            op.execute(f"DROP FUNCTION registration_{name}()")


def upgrade() -> None:
    with op.batch_alter_table("registration_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("places_taken", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    op.execute(_COUNT_EACH)
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    with op.batch_alter_table("registration_settings", schema=None) as batch_op:
        batch_op.drop_column("places_taken")
