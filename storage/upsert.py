"""Writes whose outcome is the answer: INSERT … ON CONFLICT DO NOTHING on both backends, and
the rows an UPDATE or DELETE changed."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.sql.dml import UpdateBase
from sqlmodel import Session


def insert_ignore(session: Session, model: Any, values: dict[str, Any], conflict_on: list[str]) -> bool:
    """Insert one row unless it conflicts on `conflict_on`; True if a row was inserted.

    RETURNING tells whether the row went in: psycopg reports no row count for this form.
    """
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = (
        module.insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_on)
        .returning(*[getattr(model, name) for name in conflict_on])
    )
    return session.execute(statement).first() is not None


def insert_ignore_many(session: Session, model: Any, rows: list[dict[str, Any]], conflict_on: list[str]) -> int:
    """Insert each row unless it conflicts on `conflict_on`, in one statement (every row with
    the same columns); how many went in. One statement with bound values, not one built per row
    (each with its values in its cache key), so a tick queueing many reminders writes quickly."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    table = model.__table__
    statement = (
        module.insert(table)
        .on_conflict_do_nothing(index_elements=conflict_on)
        .returning(*[table.c[name] for name in conflict_on])
    )
    return len(session.execute(statement, rows).all())


def changed_rows(session: Session, statement: UpdateBase) -> int:
    """Run an UPDATE or DELETE; how many rows it changed (a compare-and-set won when 1)."""
    # Session.execute is typed as returning the general Result; for a DML statement without
    # RETURNING it is a CursorResult, the kind that counts rows.
    result = cast("CursorResult[Any]", session.execute(statement))
    return result.rowcount
