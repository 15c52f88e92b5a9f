"""When each record next needs a nudge: `next_nudge_at`, kept with the record and indexed.

The nudge tick reads only the records whose mark has come (`next_nudge_at <= now`), works out
what they call for, and sets the mark to the next moment their reminders can change (NULL:
not until the record changes). Any UPDATE of a marked record through a session sets its mark
back to LOOK_NOW, and a new record starts there, so the next tick looks at it again: the rules
that change records need not know about marks, and a change can never be missed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, event, inspect, literal, update
from sqlalchemy.orm import Mapper, ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from storage.models import LOOK_NOW
from storage.types import UTCDateTime

MARK = "next_nudge_at"
# The execution option of a statement that sets marks itself (the tick's own writes).
SETS_MARKS = "qms_sets_nudge_marks"


def _is_marked(table: Any) -> bool:
    return isinstance(table, Table) and MARK in table.c


@event.listens_for(OrmSession, "do_orm_execute")
def _look_again_after_an_update(state: ORMExecuteState) -> None:
    """An UPDATE statement on a marked table (a rule's compare-and-set) also sets LOOK_NOW."""
    if not state.is_update or state.execution_options.get(SETS_MARKS):
        return
    statement: Any = state.statement
    if _is_marked(getattr(statement, "table", None)):
        state.statement = statement.values({MARK: LOOK_NOW})


@event.listens_for(Mapper, "before_update")
def _look_again_after_a_flush(_mapper: Any, _connection: Any, target: Any) -> None:
    """A record changed through the unit of work (attributes set, then flushed) is looked at too."""
    if not _is_marked(getattr(target, "__table__", None)):
        return
    attrs = inspect(target).attrs
    if any(a.history.has_changes() for a in attrs if a.key != MARK) and not attrs[MARK].history.has_changes():
        setattr(target, MARK, LOOK_NOW)


def due(
    session: Session, model: Any, now: datetime, limit: int, *, joined: Any = None, on: Any = None, lock: bool = True
) -> list[Any]:
    """Up to `limit` records of `model` whose mark has come, longest waiting first; with the record
    each belongs to (`joined`, joined `on`) when given, as (record, joined) pairs.

    With `lock`, on PostgreSQL the batch is locked FOR UPDATE until its transaction ends (a close
    committing meanwhile waits); rows a person is changing right now are skipped, and the next
    tick takes them. SQLite's IMMEDIATE transaction does the same. The tick reads without a lock
    and locks the records again by id (`by_ids`) when it writes.
    """
    mark = col(getattr(model, MARK))
    query: Any = select(model) if joined is None else select(model, joined).join(joined, on)
    query = query.where(mark <= now).order_by(mark).limit(limit)
    return _locked(session, query, model, joined) if lock else list(session.exec(query).all())


def by_ids(session: Session, model: Any, ids: list[int], *, joined: Any = None, on: Any = None) -> list[Any]:
    """The records of `model` with these ids, shaped as `due` gives them, locked FOR UPDATE on
    PostgreSQL until the transaction ends; a row a person is changing right now is left out
    (the tick never waits for a person: it looks at that record again later)."""
    query: Any = select(model) if joined is None else select(model, joined).join(joined, on)
    return _locked(session, query.where(col(model.id).in_(ids)), model, joined)


def _locked(session: Session, query: Any, model: Any, joined: Any) -> list[Any]:
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=[model] if joined is None else [model, joined])
    return list(session.exec(query).all())


def any_due(session: Session, model: Any, now: datetime) -> bool:
    """Whether any record of `model` waits for a look (one index probe)."""
    query = select(literal(1)).select_from(model).where(col(getattr(model, MARK)) <= now).limit(1)
    return session.exec(query).first() is not None


def set_marks(session: Session, model: Any, marks: dict[int, datetime | None]) -> None:
    """Set when each record (by id) is next looked at, in one statement run for all of them."""
    if not marks:
        return
    table = model.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("mark_id"))
        .values({MARK: bindparam("mark_at", type_=UTCDateTime())})
        .execution_options(**{SETS_MARKS: True})
    )
    session.execute(statement, [{"mark_id": i, "mark_at": at} for i, at in marks.items()])
