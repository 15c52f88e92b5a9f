"""What every register's queries share: keep a new record, find one by id or by its number,
and change one with a compare-and-set on its version.

Each register module names these for its own table (`get = Register(Feedback).get`), so
callers keep saying `store.get(session, id)` while the query is written once.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, update
from sqlmodel import Session, SQLModel, col, select

from storage.upsert import changed_rows

M = TypeVar("M", bound=SQLModel)


def add(session: Session, record: M) -> M:
    """Keep a new record; after the flush it has its id."""
    session.add(record)
    session.flush()
    return record


def change(session: Session, record: M, seen: int | None, *still: ColumnElement[bool], **values: Any) -> bool:
    """Compare-and-set: `UPDATE … SET values, version = version + 1 WHERE id = :id AND
    version = :seen` (and each condition in `still`); True when this call changed the record.

    Every change to a versioned record goes through here, so its version goes up each time
    and a button drawn for an older version is stale. `seen` is the version a button or form
    was drawn for; None (a button posted before buttons carried one) leaves only `still`.
    Two people pressing at once both read the same version; only one UPDATE matches.
    """
    model: Any = type(record)  # every versioned table has `id` and `version` columns
    where = [col(model.id) == record.id, *still]  # type: ignore[attr-defined]
    if seen is not None:
        where.append(col(model.version) == seen)
    if changed_rows(session, update(model).where(*where).values(version=model.version + 1, **values)) != 1:
        return False
    session.refresh(record)
    return True


class Register(Generic[M]):
    def __init__(self, model: type[M]) -> None:
        self.model = model

    def get(self, session: Session, record_id: int) -> M | None:
        return session.get(self.model, record_id)

    def by_number(self, session: Session, number: str) -> M | None:
        """The record people name out loud (NC-2026-0007), whatever case they typed it in."""
        column: Any = self.model.number  # type: ignore[attr-defined]  # every numbered register has a number column
        return session.exec(select(self.model).where(col(column) == number.upper())).first()
