"""Alembic environment: runs migrations on the engine the application configured."""

from alembic import context

# Every feature's models module is imported here so autogenerate sees its tables.
import agenda.models  # noqa: F401
import registration.attendance_models
import registration.models  # noqa: F401
import surveys.models  # noqa: F401
import symposium.models  # noqa: F401
from symposium.db import Base

config = context.config
engine = config.attributes["engine"]


def run_migrations_online() -> None:
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run flask db upgrade.")
run_migrations_online()
