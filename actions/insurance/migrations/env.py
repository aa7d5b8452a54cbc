"""Alembic environment for the insurance database (run through actions.insurance.setup)."""
from alembic import context
from sqlalchemy import pool

from actions.insurance.db import make_engine
from actions.insurance.models import Base
import actions.handoff.outbox  # noqa: F401  (its table lives in this database too)

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = make_engine(context.config.get_main_option("sqlalchemy.url"))
    with connectable.connect() as connection:
        # render_as_batch: SQLite can only ALTER tables by copying them.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
