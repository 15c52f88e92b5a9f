"""Queries for competence by role: the requirements, each document's current round, and who holds it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage.models import LOOK_NOW, CompetenceRequirement, TrainingAssignment, TrainingRound
from storage.upsert import insert_ignore


def add_requirement(session: Session, values: dict[str, Any]) -> bool:
    """Keep a requirement once per role and document (False: it was there already)."""
    return insert_ignore(session, CompetenceRequirement, values, ["role_id", "doc_key"])


def requirements(session: Session, role_id: str | None = None) -> list[CompetenceRequirement]:
    query = select(CompetenceRequirement)
    if role_id is not None:
        query = query.where(col(CompetenceRequirement.role_id) == role_id)
    return list(session.exec(query.order_by(col(CompetenceRequirement.role_name), col(CompetenceRequirement.doc_key))))


def renew_months(session: Session, doc_key: str) -> int | None:
    """How often a document must be acknowledged again: the shortest interval any role asks for."""
    query = select(func.min(CompetenceRequirement.renew_months)).where(
        col(CompetenceRequirement.doc_key) == doc_key, col(CompetenceRequirement.renew_months).is_not(None)
    )
    value = session.exec(query).one()
    return int(value) if value else None


def current_rounds(session: Session, doc_keys: list[str]) -> dict[str, TrainingRound]:
    """Each document's latest round (its current revision), by document key."""
    if not doc_keys:
        return {}
    query = (
        select(TrainingRound)
        .where(col(TrainingRound.doc_key).in_(doc_keys))
        .order_by(col(TrainingRound.doc_key), col(TrainingRound.published_at).desc(), col(TrainingRound.id).desc())
    )
    latest: dict[str, TrainingRound] = {}
    for training in session.exec(query):
        latest.setdefault(training.doc_key, training)
    return latest


def latest_round_id(session: Session, doc_key: str) -> int | None:
    query = (
        select(TrainingRound.id)
        .where(col(TrainingRound.doc_key) == doc_key)
        .order_by(col(TrainingRound.published_at).desc(), col(TrainingRound.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def assignments(session: Session, round_ids: list[int], people: list[str]) -> dict[tuple[int, str], TrainingAssignment]:
    """The assignments of these people in these rounds, by (round id, person)."""
    if not round_ids or not people:
        return {}
    query = select(TrainingAssignment).where(
        col(TrainingAssignment.round_id).in_(round_ids), col(TrainingAssignment.person).in_(people)
    )
    return {(a.round_id, a.person): a for a in session.exec(query)}


def assign(session: Session, round_id: int, person: str) -> TrainingAssignment | None:
    """Add a person to a round's audience (None when they were in it already)."""
    values = TrainingAssignment(round_id=round_id, person=person).model_dump(exclude={"id"})  # with its defaults
    if not insert_ignore(session, TrainingAssignment, values, ["round_id", "person"]):
        return None
    query = select(TrainingAssignment).where(
        col(TrainingAssignment.round_id) == round_id, col(TrainingAssignment.person) == person
    )
    return session.exec(query).first()


def look_again(session: Session, round_id: int) -> None:
    """The round's acknowledgements are looked at by the next tick (a renewal now applies to them)."""
    session.execute(
        update(TrainingAssignment).where(col(TrainingAssignment.round_id) == round_id).values(next_nudge_at=LOOK_NOW)
    )
