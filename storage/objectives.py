"""Queries for quality objectives, hand-entered KPI values, and the records computed measures read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage import records
from storage.models import KpiValue, Nonconformity, QualityObjective, TrainingAssignment, TrainingRound
from storage.records import Register
from storage.upsert import insert_ignore


def all_objectives(session: Session) -> list[QualityObjective]:
    return list(session.exec(select(QualityObjective).order_by(col(QualityObjective.id))))


def set_value(session: Session, values: dict[str, Any]) -> float | None:
    """Store a period's value; returns the value it replaced (None when it is the first)."""
    existing = session.exec(
        select(KpiValue).where(
            col(KpiValue.objective_id) == values["objective_id"], col(KpiValue.period_key) == values["period_key"]
        )
    ).first()
    if existing is None and insert_ignore(session, KpiValue, values, ["objective_id", "period_key"]):
        return None
    before = existing.value if existing else None
    session.execute(
        update(KpiValue)
        .where(col(KpiValue.objective_id) == values["objective_id"], col(KpiValue.period_key) == values["period_key"])
        .values(value=values["value"], logged_by=values["logged_by"], logged_at=values["logged_at"])
    )
    return before


def value_for(session: Session, objective_id: int, period_key: str) -> float | None:
    row = session.exec(
        select(KpiValue).where(col(KpiValue.objective_id) == objective_id, col(KpiValue.period_key) == period_key)
    ).first()
    return row.value if row else None


def ncs_closed_between(session: Session, start: datetime, end: datetime) -> list[Nonconformity]:
    query = select(Nonconformity).where(
        col(Nonconformity.status) == "closed", col(Nonconformity.closed_at) >= start, col(Nonconformity.closed_at) < end
    )
    return list(session.exec(query))


def assignments_due_between(session: Session, start: date, end: date) -> list[TrainingAssignment]:
    query = (
        select(TrainingAssignment)
        .join(TrainingRound, col(TrainingRound.id) == col(TrainingAssignment.round_id))
        .where(col(TrainingRound.due_date) >= start, col(TrainingRound.due_date) < end)
    )
    return list(session.exec(query))


# The queries every register has, written once (storage/records.py).
_REGISTER = Register(QualityObjective)
add = records.add
get = _REGISTER.get
