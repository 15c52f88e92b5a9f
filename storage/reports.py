"""Counts across the registers for the digest and the App Home (read-only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import NC_STATUSES, CorrectiveAction, ManagementReview, Nonconformity, ReviewAction

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


def ncs_raised_page(session: Session, start: datetime, end: datetime, limit: int) -> list[Nonconformity]:
    """The latest `limit` NCs raised in the period (`ncs_raised` counts them all), read
    backwards along ix_nonconformity_raised: a page, never the period's whole history."""
    query = (
        select(Nonconformity)
        .where(col(Nonconformity.raised_at) >= start, col(Nonconformity.raised_at) < end)
        .order_by(col(Nonconformity.raised_at).desc(), col(Nonconformity.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def ncs_closed_page(session: Session, start: datetime, end: datetime, limit: int) -> list[Nonconformity]:
    """The latest `limit` NCs closed in the period (`ncs_closed` counts them), off ix_nonconformity_closed."""
    query = (
        select(Nonconformity)
        .where(
            col(Nonconformity.status) == "closed",
            col(Nonconformity.closed_at) >= start,
            col(Nonconformity.closed_at) < end,
        )
        .order_by(col(Nonconformity.closed_at).desc(), col(Nonconformity.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def reviews_held_between(session: Session, start: date, end: date, limit: int) -> list[ManagementReview]:
    """Management reviews held in the period (start ≤ held_on < end), the latest first. A
    register of a few a year: held ones are found by ix_management_review_status_date's status."""
    query = (
        select(ManagementReview)
        .where(
            col(ManagementReview.status) == "held",
            col(ManagementReview.held_on) >= start,
            col(ManagementReview.held_on) < end,
        )
        .order_by(col(ManagementReview.held_on).desc(), col(ManagementReview.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def review_outputs(session: Session, review_ids: list[int]) -> dict[int, list[ReviewAction]]:
    """The output actions of these reviews, in order (by uq_review_action_seq)."""
    found: dict[int, list[ReviewAction]] = {i: [] for i in review_ids}
    if not review_ids:
        return found
    query = (
        select(ReviewAction)
        .where(col(ReviewAction.review_id).in_(review_ids))
        .order_by(col(ReviewAction.review_id), col(ReviewAction.seq))
    )
    for action in session.exec(query):
        found[action.review_id].append(action)
    return found


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
