"""What the benchmarks share to build their data sets in bulk: rows inserted in large chunks
(core INSERTs, no ORM), PostgreSQL's id sequences moved past them, statistics refreshed, and
a database emptied for each size."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from storage.db import Database

CHUNK = 20_000


def chunks(rows: Iterable[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_rows(db: Database, model: Any, rows: Iterable[dict[str, Any]], size: int = CHUNK) -> int:
    """Insert `rows` a chunk per transaction; how many were inserted."""
    count = 0
    for batch in chunks(rows, size):
        with db.engine.begin() as connection:
            connection.execute(insert(model.__table__), batch)
        count += len(batch)
    return count


def settle(db: Database, tables: Iterable[str]) -> None:
    """After a bulk load: ids given by hand leave PostgreSQL's sequences behind; plans want statistics."""
    with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            for table in tables:
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
        connection.execute(text("ANALYZE"))


def fresh(url: str | None, sqlite_file: Path) -> Database:
    """A new SQLite file, or the PostgreSQL database at `url` with its public schema dropped."""
    if url is None:
        return Database(f"sqlite:///{sqlite_file}")
    db = Database(url)
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    return db
