"""What every register's queries share: keep a new record, find one by id or by its number.

Each register module names these for its own table (`get = Register(Feedback).get`), so
callers keep saying `store.get(session, id)` while the query is written once.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from sqlmodel import Session, SQLModel, col, select

M = TypeVar("M", bound=SQLModel)


def add(session: Session, record: M) -> M:
    """Keep a new record; after the flush it has its id."""
    session.add(record)
    session.flush()
    return record


class Register(Generic[M]):
    def __init__(self, model: type[M]) -> None:
        self.model = model

    def get(self, session: Session, record_id: int) -> M | None:
        return session.get(self.model, record_id)

    def by_number(self, session: Session, number: str) -> M | None:
        """The record people name out loud (NC-2026-0007), whatever case they typed it in."""
        column: Any = self.model.number  # type: ignore[attr-defined]  # every numbered register has a number column
        return session.exec(select(self.model).where(col(column) == number.upper())).first()
