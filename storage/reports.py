"""Counts across the registers for the digest and the App Home (read-only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import NC_STATUSES, CorrectiveAction, Nonconformity

FINISHED = ("closed", "cancelled")
# Asked for as IN (the active statuses), not NOT IN (the finished ones): only the first
# can use the status index, and the active NCs are the few among many (bench/data_growth.py).
ACTIVE = tuple(s for s in NC_STATUSES if s not in FINISHED)


def ncs_raised(session: Session, start: datetime, end: datetime) -> int:
    query = select(func.count()).where(col(Nonconformity.raised_at) >= start, col(Nonconformity.raised_at) < end)
    return int(session.exec(query).one())


def ncs_closed(session: Session, start: datetime, end: datetime) -> int:
    query = select(func.count()).where(
        col(Nonconformity.status) == "closed", col(Nonconformity.closed_at) >= start, col(Nonconformity.closed_at) < end
    )
    return int(session.exec(query).one())


def open_by(session: Session, field: str) -> dict[str, int]:
    """Active NCs counted by `severity` or `status`."""
    column = col(getattr(Nonconformity, field))
    query = select(column, func.count()).where(col(Nonconformity.status).in_(ACTIVE)).group_by(column)
    return {key: n for key, n in session.exec(query).all()}


def _overdue(today: date) -> tuple[Any, ...]:
    return (
        col(CorrectiveAction.status) == "open",
        col(CorrectiveAction.due_date) < today,
        col(Nonconformity.status).in_(ACTIVE),
    )


def overdue_actions(
    session: Session, today: date, limit: int | None = None
) -> list[tuple[CorrectiveAction, Nonconformity]]:
    """Open actions past due on active NCs, the longest overdue first (the first `limit` of them)."""
    query = (
        select(CorrectiveAction, Nonconformity)
        .join(Nonconformity, col(Nonconformity.id) == col(CorrectiveAction.nc_id))
        .where(*_overdue(today))
        .order_by(col(CorrectiveAction.due_date), col(CorrectiveAction.id))
        .limit(limit)
    )
    return list(session.exec(query).all())


def count_overdue_actions(session: Session, today: date) -> int:
    """How many `overdue_actions` there are, counted from ix_corrective_action_due and the NCs'
    status (by ix_nonconformity_severity on PostgreSQL) without loading one of them."""
    query = (
        select(func.count())
        .select_from(CorrectiveAction)
        .join(Nonconformity, col(Nonconformity.id) == col(CorrectiveAction.nc_id))
        .where(*_overdue(today))
    )
    return int(session.exec(query).one())


def ncs_due_between(session: Session, start: date, end: date) -> list[Nonconformity]:
    query = (
        select(Nonconformity)
        .where(
            col(Nonconformity.status).in_(ACTIVE),
            col(Nonconformity.due_date) >= start,
            col(Nonconformity.due_date) < end,
        )
        .order_by(col(Nonconformity.due_date))
    )
    return list(session.exec(query))


def actions_of_person(session: Session, user_id: str) -> list[tuple[CorrectiveAction, Nonconformity]]:
    query = (
        select(CorrectiveAction, Nonconformity)
        .join(Nonconformity, col(Nonconformity.id) == col(CorrectiveAction.nc_id))
        .where(
            col(CorrectiveAction.owner) == user_id,
            col(CorrectiveAction.status) == "open",
            col(Nonconformity.status).in_(ACTIVE),
        )
        .order_by(col(CorrectiveAction.due_date))
    )
    return list(session.exec(query).all())


def ncs_raised_between(session: Session, start: datetime, end: datetime) -> list[Nonconformity]:
    query = select(Nonconformity).where(col(Nonconformity.raised_at) >= start, col(Nonconformity.raised_at) < end)
    return list(session.exec(query.order_by(col(Nonconformity.id))))


def actions_created_between(session: Session, start: datetime, end: datetime) -> list[CorrectiveAction]:
    query = select(CorrectiveAction).where(
        col(CorrectiveAction.created_at) >= start, col(CorrectiveAction.created_at) < end
    )
    return list(session.exec(query.order_by(col(CorrectiveAction.id))))
