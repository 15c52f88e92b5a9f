"""Queries for management reviews and their output actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from storage import records
from storage.models import ManagementReview, ReviewAction
from storage.records import Register


def successor_of(session: Session, review_id: int) -> ManagementReview | None:
    return session.exec(select(ManagementReview).where(col(ManagementReview.previous_id) == review_id)).first()


def move(session: Session, review: ManagementReview, expected: str, seen: int | None = None, **values: Any) -> bool:
    """Compare-and-set on the review's status and the version its form was drawn for."""
    return records.change(session, review, seen, col(ManagementReview.status) == expected, **values)


def planned(session: Session, *, share_lock: bool = False) -> list[ManagementReview]:
    query = (
        select(ManagementReview)
        .where(col(ManagementReview.status) == "planned")
        .order_by(col(ManagementReview.planned_date))
    )
    if share_lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return list(session.exec(query))


def last_held_before(session: Session, day: date) -> ManagementReview | None:
    query = (
        select(ManagementReview)
        .where(col(ManagementReview.status) == "held", col(ManagementReview.held_on) <= day)
        .order_by(col(ManagementReview.held_on).desc(), col(ManagementReview.id).desc())
    )
    return session.exec(query.limit(1)).first()


def recent(session: Session, limit: int) -> list[ManagementReview]:
    return list(session.exec(select(ManagementReview).order_by(col(ManagementReview.planned_date).desc()).limit(limit)))


def add_actions(session: Session, review_id: int, actions: list[tuple[str, str, date]]) -> list[ReviewAction]:
    rows = [
        ReviewAction(review_id=review_id, seq=i, description=d, owner=o, due_date=due)
        for i, (d, o, due) in enumerate(actions, start=1)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def actions_of(session: Session, review_id: int) -> list[ReviewAction]:
    return list(
        session.exec(
            select(ReviewAction).where(col(ReviewAction.review_id) == review_id).order_by(col(ReviewAction.seq))
        )
    )


def action(session: Session, action_id: int) -> ReviewAction | None:
    return session.get(ReviewAction, action_id)


def complete_action(
    session: Session, row: ReviewAction, seen: int | None, *, by: str, at: datetime, evidence: str
) -> bool:
    """Open → done once, if still at the version its form was drawn for."""
    return records.change(
        session, row, seen, col(ReviewAction.status) == "open", status="done", done_by=by, done_at=at, evidence=evidence
    )


def open_actions(
    session: Session, *, owner: str | None = None, share_lock: bool = False
) -> list[tuple[ReviewAction, ManagementReview]]:
    query = (
        select(ReviewAction, ManagementReview)
        .join(ManagementReview, col(ManagementReview.id) == col(ReviewAction.review_id))
        .where(col(ReviewAction.status) == "open")
        .order_by(col(ReviewAction.due_date), col(ReviewAction.id))
    )
    if owner is not None:
        query = query.where(col(ReviewAction.owner) == owner)
    if share_lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True, of=ReviewAction)
    return list(session.exec(query).all())


# The queries every register has, written once (storage/records.py).
_REGISTER = Register(ManagementReview)
add = records.add
get = _REGISTER.get
by_number = _REGISTER.by_number
