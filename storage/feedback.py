"""Queries for the customer feedback log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage import records
from storage.models import Feedback
from storage.records import Register


def by_nc(session: Session, nc_id: int) -> Feedback | None:
    return session.exec(select(Feedback).where(col(Feedback.nc_id) == nc_id)).first()


def link_nc(session: Session, complaint: Feedback, nc_id: int) -> bool:
    """Link a complaint to its NC once (False when it already has one)."""
    return records.change(session, complaint, None, col(Feedback.nc_id).is_(None), nc_id=nc_id)


def set_card(session: Session, feedback_id: int, *, channel: str, ts: str, permalink: str | None) -> None:
    session.execute(
        update(Feedback)
        .where(col(Feedback.id) == feedback_id)
        .values(card_channel=channel, card_ts=ts, card_permalink=permalink)
    )


def move(session: Session, entry: Feedback, expected: str, seen: int | None, **values: Any) -> bool:
    """Compare-and-set on the complaint's response state and the version a button was drawn for."""
    return records.change(session, entry, seen, col(Feedback.response) == expected, **values)


def received_between(session: Session, start: date, end: date) -> list[Feedback]:
    """Feedback received on start … end - 1 (a half-open range, so periods never overlap)."""
    query = (
        select(Feedback)
        .where(col(Feedback.received_on) >= start, col(Feedback.received_on) < end)
        .order_by(col(Feedback.id))
    )
    return list(session.exec(query))


# IN rather than != so that ix_feedback_complaints (kind, response) serves it.
_OPEN_COMPLAINT = (col(Feedback.kind) == "complaint", col(Feedback.response).in_(("received", "responded")))


def open_complaints(session: Session, *, share_lock: bool = False) -> list[Feedback]:
    """Complaints not yet resolved, newest first.

    `share_lock` (PostgreSQL, for the nudge source): a response recorded meanwhile waits, then
    cancels what the source queued. Lists and the Home tab read without it.
    """
    query = select(Feedback).where(*_OPEN_COMPLAINT).order_by(col(Feedback.id).desc())
    if share_lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return list(session.exec(query))


def count_open_complaints(session: Session) -> int:
    """How many `open_complaints` there are, counted in ix_feedback_complaints alone."""
    query = select(func.count()).select_from(Feedback).where(*_OPEN_COMPLAINT)
    return int(session.exec(query).one())


def complaints_awaiting(session: Session, owner: str) -> list[Feedback]:
    """The person's complaints not yet responded to, newest first.

    One response state, so ix_feedback_complaints hands them over in id order: asked for
    both open states, SQLite walks the whole log in id order rather than sort the hits.
    """
    query = (
        select(Feedback)
        .where(col(Feedback.kind) == "complaint", col(Feedback.response) == "received", col(Feedback.owner) == owner)
        .order_by(col(Feedback.id).desc())
    )
    return list(session.exec(query))


def recent(session: Session, limit: int) -> list[Feedback]:
    return list(session.exec(select(Feedback).order_by(col(Feedback.id).desc()).limit(limit)))


def responded_at_between(session: Session, start: datetime, end: datetime) -> list[Feedback]:
    query = select(Feedback).where(col(Feedback.responded_at) >= start, col(Feedback.responded_at) < end)
    return list(session.exec(query))


# The queries every register has, written once (storage/records.py).
_REGISTER = Register(Feedback)
add = records.add
get = _REGISTER.get
by_number = _REGISTER.by_number
