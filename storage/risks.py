"""Queries for the risk and opportunity register: risks, their scorings and their treatment actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage import records
from storage.models import CorrectiveAction, Nonconformity
from storage.models_risks import Risk, RiskScore
from storage.records import Register

ACTIVE = ("open", "treated")


def change(session: Session, risk: Risk, seen: int | None, **values: Any) -> bool:
    """Compare-and-set on the version the form was opened on (None: on the state alone)."""
    return records.change(session, risk, seen, col(Risk.status).in_(ACTIVE), **values)


def set_card(session: Session, risk_id: int, *, channel: str, ts: str, permalink: str | None) -> None:
    session.execute(
        update(Risk).where(col(Risk.id) == risk_id).values(card_channel=channel, card_ts=ts, card_permalink=permalink)
    )


def add_score(session: Session, score: RiskScore) -> RiskScore:
    session.add(score)
    session.flush()
    return score


def scores_of(session: Session, risk_id: int) -> list[RiskScore]:
    query = (
        select(RiskScore).where(col(RiskScore.risk_id) == risk_id).order_by(col(RiskScore.scored_at), col(RiskScore.id))
    )
    return list(session.exec(query))


def scored_between(session: Session, start: datetime, end: datetime) -> list[RiskScore]:
    """The scorings made in [start, end), oldest first (the digest's week)."""
    query = (
        select(RiskScore)
        .where(col(RiskScore.scored_at) >= start, col(RiskScore.scored_at) < end)
        .order_by(col(RiskScore.scored_at), col(RiskScore.id))
    )
    return list(session.exec(query))


def last_score_before(session: Session, risk_id: int, before: datetime) -> RiskScore | None:
    query = (
        select(RiskScore)
        .where(col(RiskScore.risk_id) == risk_id, col(RiskScore.scored_at) < before)
        .order_by(col(RiskScore.scored_at).desc(), col(RiskScore.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def active(session: Session, limit: int | None = None) -> list[Risk]:
    """Every risk not closed, highest score first (then newest)."""
    query = (
        select(Risk)
        .where(col(Risk.status).in_(ACTIVE))
        .order_by(col(Risk.score).desc(), col(Risk.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def every(session: Session) -> list[Risk]:
    return list(session.exec(select(Risk).order_by(col(Risk.id))))


def reviews_overdue(session: Session, today: date, limit: int | None = None) -> list[Risk]:
    query = (
        select(Risk)
        .where(col(Risk.status).in_(ACTIVE), col(Risk.review_date) < today)
        .order_by(col(Risk.review_date), col(Risk.id))
        .limit(limit)
    )
    return list(session.exec(query))


def owned_by(session: Session, user_id: str) -> list[Risk]:
    query = (
        select(Risk)
        .where(col(Risk.owner) == user_id, col(Risk.status).in_(ACTIVE))
        .order_by(col(Risk.review_date), col(Risk.id))
    )
    return list(session.exec(query))


def actions_of(session: Session, risk_id: int) -> list[CorrectiveAction]:
    query = select(CorrectiveAction).where(col(CorrectiveAction.risk_id) == risk_id).order_by(col(CorrectiveAction.seq))
    return list(session.exec(query))


def actions_of_many(session: Session, risk_ids: list[int]) -> dict[int, list[CorrectiveAction]]:
    found: dict[int, list[CorrectiveAction]] = {i: [] for i in risk_ids}
    if not risk_ids:
        return found
    query = (
        select(CorrectiveAction).where(col(CorrectiveAction.risk_id).in_(risk_ids)).order_by(col(CorrectiveAction.seq))
    )
    for action in session.exec(query):
        found[action.risk_id or 0].append(action)
    return found


def open_actions_of_person(session: Session, user_id: str) -> list[tuple[CorrectiveAction, Risk]]:
    """The person's open treatment actions on active risks, soonest due first."""
    query = (
        select(CorrectiveAction, Risk)
        .join(Risk, col(Risk.id) == col(CorrectiveAction.risk_id))
        .where(
            col(CorrectiveAction.owner) == user_id, col(CorrectiveAction.status) == "open", col(Risk.status).in_(ACTIVE)
        )
        .order_by(col(CorrectiveAction.due_date))
    )
    return list(session.exec(query).all())


def open_actions_overdue(session: Session, today: date) -> list[CorrectiveAction]:
    """Open treatment actions of active risks past their due date."""
    query = (
        select(CorrectiveAction)
        .join(Risk, col(Risk.id) == col(CorrectiveAction.risk_id))
        .where(
            col(CorrectiveAction.status) == "open", col(CorrectiveAction.due_date) < today, col(Risk.status).in_(ACTIVE)
        )
        .order_by(col(CorrectiveAction.id))
    )
    return list(session.exec(query))


def overdue_actions_count(session: Session, today: date) -> int:
    """Open treatment actions of active risks past their due date."""
    query = (
        select(func.count())
        .select_from(CorrectiveAction)
        .join(Risk, col(Risk.id) == col(CorrectiveAction.risk_id))
        .where(
            col(CorrectiveAction.status) == "open",
            col(CorrectiveAction.due_date) < today,
            col(Risk.status).in_(ACTIVE),
        )
    )
    return int(session.exec(query).one())


def realised_by(session: Session, risk_id: int, since: datetime | None = None) -> list[Nonconformity]:
    """The NCs linked to the risk they realised (raised since `since`, when given), oldest first."""
    query = select(Nonconformity).where(col(Nonconformity.risk_id) == risk_id)
    if since is not None:
        query = query.where(col(Nonconformity.raised_at) >= since)
    return list(session.exec(query.order_by(col(Nonconformity.id))))


def numbers(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = select(Risk.id, Risk.number).where(col(Risk.id).in_(ids))
    return {risk_id: number for risk_id, number in session.exec(query).all() if risk_id is not None}


_REGISTER = Register(Risk)
add = records.add
get = _REGISTER.get
by_number = _REGISTER.by_number
