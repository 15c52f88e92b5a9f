"""Alembic environment: runs on the connection storage.migrate hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import make_engine

# A migration may wait for a running bot's transactions to end; the bot's forms may not.
MIGRATION_LOCK_WAIT = 60

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if url is None:  # storage.migrate.alembic_config always sets it
            raise SystemExit("no database URL for the migrations; run `qms-bot migrate`")
        engine = make_engine(url, lock_wait=MIGRATION_LOCK_WAIT)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `qms-bot migrate`")
run_migrations_online()
