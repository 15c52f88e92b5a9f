"""Queries for training rounds and who acknowledged them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage import records
from storage.models import OutboxMessage, TrainingAssignment, TrainingRound
from storage.records import Register
from storage.upsert import changed_rows


def add_round(session: Session, training: TrainingRound, people: list[str]) -> TrainingRound:
    session.add(training)
    session.flush()
    assert training.id is not None  # the flush gave it its id
    session.add_all(TrainingAssignment(round_id=training.id, person=p) for p in people)
    session.flush()
    return training


def by_revision(session: Session, doc_key: str, revision_key: str) -> TrainingRound | None:
    query = select(TrainingRound).where(
        col(TrainingRound.doc_key) == doc_key, col(TrainingRound.revision_key) == revision_key
    )
    return session.exec(query).first()


def publishers_of(session: Session, doc_key: str) -> set[str]:
    """Who published earlier revisions of a document: its owners, until there is a register."""
    query = select(TrainingRound.publisher).where(col(TrainingRound.doc_key) == doc_key)
    return set(session.exec(query).all())


def has_published(session: Session, user_id: str) -> bool:
    return (
        session.exec(select(TrainingRound.id).where(col(TrainingRound.publisher) == user_id).limit(1)).first()
        is not None
    )


def get_assignment(session: Session, assignment_id: int) -> TrainingAssignment | None:
    return session.get(TrainingAssignment, assignment_id)


def get_round(session: Session, round_id: int) -> TrainingRound | None:
    return session.get(TrainingRound, round_id)


def acknowledge(session: Session, assignment: TrainingAssignment, seen: int | None, at: datetime) -> bool:
    """Pending → acknowledged, once: False when it was already acknowledged (or changed since
    the button was drawn for version `seen`)."""
    return records.change(
        session,
        assignment,
        seen,
        col(TrainingAssignment.status) == "pending",
        status="acknowledged",
        acknowledged_at=at,
    )


def renew(session: Session, assignment: TrainingAssignment, seen: int | None, at: datetime) -> bool:
    """An expired acknowledgement acknowledged again, once (the version the card was drawn for)."""
    return records.change(
        session, assignment, seen, col(TrainingAssignment.status) == "acknowledged", acknowledged_at=at
    )


def close_round(session: Session, training: TrainingRound, *, by: str, at: datetime) -> bool:
    changed = changed_rows(
        session,
        update(TrainingRound)
        .where(col(TrainingRound.id) == training.id, col(TrainingRound.status) == "open")
        .values(status="closed", closed_by=by, closed_at=at),
    )
    if changed != 1:
        return False
    session.refresh(training)
    return True


def counts(session: Session, round_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per round: how many are pending and how many acknowledged."""
    found: dict[int, dict[str, int]] = {i: {"pending": 0, "acknowledged": 0} for i in round_ids}
    if not round_ids:
        return found
    query = (
        select(TrainingAssignment.round_id, TrainingAssignment.status, func.count())
        .where(col(TrainingAssignment.round_id).in_(round_ids))
        .group_by(col(TrainingAssignment.round_id), col(TrainingAssignment.status))
    )
    for round_id, status, n in session.exec(query).all():
        found[round_id][status] = n
    return found


def anyone_pending(session: Session, round_id: int) -> bool:
    """Whether anyone in the round has still to acknowledge: one row off ix_training_assignment_round.

    The round's row is locked first (PostgreSQL; SQLite has one writer anyway): two last
    acknowledgements at once then ask one after the other, and the second sees the first,
    where under READ COMMITTED each could still see the other pending and neither tell."""
    session.exec(select(TrainingRound.id).where(col(TrainingRound.id) == round_id).with_for_update())
    query = select(TrainingAssignment.id).where(
        col(TrainingAssignment.round_id) == round_id, col(TrainingAssignment.status) == "pending"
    )
    return session.exec(query.limit(1)).first() is not None


def people(session: Session, round_id: int, status: str | None = None) -> list[TrainingAssignment]:
    query = select(TrainingAssignment).where(col(TrainingAssignment.round_id) == round_id)
    if status:
        query = query.where(col(TrainingAssignment.status) == status)
    return list(session.exec(query.order_by(col(TrainingAssignment.id))))


def open_rounds(session: Session) -> list[TrainingRound]:
    query = select(TrainingRound).where(col(TrainingRound.status) == "open").order_by(col(TrainingRound.id).desc())
    return list(session.exec(query))


def of_person(session: Session, user_id: str) -> list[tuple[TrainingAssignment, TrainingRound]]:
    """A person's training record: every round they were in, newest first."""
    query = (
        select(TrainingAssignment, TrainingRound)
        .join(TrainingRound, col(TrainingRound.id) == col(TrainingAssignment.round_id))
        .where(col(TrainingAssignment.person) == user_id)
        .order_by(col(TrainingRound.id).desc())
    )
    return list(session.exec(query).all())


def pending_in_open_rounds(session: Session) -> list[tuple[TrainingAssignment, TrainingRound]]:
    query = (
        select(TrainingAssignment, TrainingRound)
        .join(TrainingRound, col(TrainingRound.id) == col(TrainingAssignment.round_id))
        .where(col(TrainingAssignment.status) == "pending", col(TrainingRound.status) == "open")
        .order_by(col(TrainingAssignment.id))
    )
    if session.get_bind().dialect.name == "postgresql":
        # A round closing or a person acknowledging meanwhile waits, then cancels what this
        # derive queued. (SQLite transactions begin IMMEDIATE: they never interleave.)
        query = query.with_for_update(read=True, of=[TrainingRound, TrainingAssignment])
    return list(session.exec(query).all())


def matrix(session: Session) -> list[tuple[str, str, str, datetime | None]]:
    """(person, round number, status, acknowledged at) for every person and round."""
    query = (
        select(
            TrainingAssignment.person,
            TrainingRound.number,
            TrainingAssignment.status,
            TrainingAssignment.acknowledged_at,
        )
        .join(TrainingRound, col(TrainingRound.id) == col(TrainingAssignment.round_id))
        .order_by(col(TrainingAssignment.person), col(TrainingRound.id))
    )
    return list(session.exec(query).all())


def card_of(session: Session, key: str) -> Any:
    return session.exec(select(OutboxMessage).where(col(OutboxMessage.key) == key)).first()


# The queries every register has, written once (storage/records.py).
_REGISTER = Register(TrainingRound)
by_number = _REGISTER.by_number
