"""Queries for the audit programme: audits, their checklist lines and findings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage import records
from storage.models import Audit, AuditFinding, AuditQuestion, Nonconformity
from storage.records import Register


def add(session: Session, audit: Audit, questions: list[tuple[str | None, str]]) -> Audit:
    session.add(audit)
    session.flush()
    assert audit.id is not None  # the flush gave it its id
    for seq, (clause, question) in enumerate(questions, start=1):
        session.add(AuditQuestion(audit_id=audit.id, seq=seq, clause=clause, question=question))
    session.flush()
    return audit


def get(session: Session, audit_id: int, *, share_lock: bool = False) -> Audit | None:
    query = select(Audit).where(col(Audit.id) == audit_id)
    if share_lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return session.exec(query).first()


def move(session: Session, audit: Audit, expected: str, seen: int | None = None, **values: Any) -> bool:
    """Compare-and-set on the audit's status and the version its form was drawn for:
    completing it twice completes it once."""
    return records.change(session, audit, seen, col(Audit.status) == expected, **values)


def questions_of(session: Session, audit_id: int) -> list[AuditQuestion]:
    return list(
        session.exec(
            select(AuditQuestion).where(col(AuditQuestion.audit_id) == audit_id).order_by(col(AuditQuestion.seq))
        )
    )


def question(session: Session, question_id: int) -> AuditQuestion | None:
    return session.get(AuditQuestion, question_id)


def answer(session: Session, line: AuditQuestion, seen: int | None, **values: Any) -> bool:
    """Record an answer unless the line is already linked to an NC (that answer is settled) or
    was answered since the select was drawn (`seen`, its version then)."""
    return records.change(session, line, seen, col(AuditQuestion.nc_id).is_(None), **values)


def findings_of(session: Session, audit_id: int) -> list[AuditFinding]:
    return list(
        session.exec(select(AuditFinding).where(col(AuditFinding.audit_id) == audit_id).order_by(col(AuditFinding.seq)))
    )


def add_finding(session: Session, audit_id: int, kind: str, text: str, nc_id: int | None) -> AuditFinding:
    last = session.exec(select(func.max(AuditFinding.seq)).where(col(AuditFinding.audit_id) == audit_id)).one()
    finding = AuditFinding(audit_id=audit_id, seq=(last or 0) + 1, kind=kind, text=text, nc_id=nc_id)
    session.add(finding)
    session.flush()
    return finding


def latest_of_process(session: Session, process: str) -> Audit | None:
    """The most recent audit of a process (to copy its checklist from)."""
    query = (
        select(Audit)
        .where(col(Audit.process) == process, col(Audit.status) != "cancelled")
        .order_by(col(Audit.planned_date).desc(), col(Audit.id).desc())
    )
    return session.exec(query.limit(1)).first()


def planned(session: Session, *, share_lock: bool = False) -> list[Audit]:
    query = select(Audit).where(col(Audit.status) == "planned").order_by(col(Audit.planned_date), col(Audit.id))
    if share_lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return list(session.exec(query))


def in_cycle(session: Session, start: date, end: date) -> list[Audit]:
    """Audits planned for start … end - 1, cancelled ones left out."""
    query = (
        select(Audit)
        .where(col(Audit.planned_date) >= start, col(Audit.planned_date) < end, col(Audit.status) != "cancelled")
        .order_by(col(Audit.planned_date), col(Audit.id))
    )
    return list(session.exec(query))


def completed_between(session: Session, start: datetime, end: datetime) -> list[Audit]:
    """Audits completed in start … end (by when they were completed, early or late)."""
    query = select(Audit).where(
        col(Audit.status) == "completed", col(Audit.completed_at) >= start, col(Audit.completed_at) < end
    )
    return list(session.exec(query.order_by(col(Audit.completed_at))))


def findings_between(session: Session, start: datetime, end: datetime) -> list[tuple[AuditFinding, Audit]]:
    query = (
        select(AuditFinding, Audit)
        .join(Audit, col(Audit.id) == col(AuditFinding.audit_id))
        .where(col(Audit.status) == "completed", col(Audit.completed_at) >= start, col(Audit.completed_at) < end)
        .order_by(col(Audit.completed_at), col(AuditFinding.seq))
    )
    return list(session.exec(query).all())


def of_auditor(session: Session, user: str) -> list[Audit]:
    query = (
        select(Audit)
        .where(col(Audit.status) == "planned", col(Audit.lead_auditor) == user)
        .order_by(col(Audit.planned_date))
    )
    return list(session.exec(query))


# The queries every register has, written once (storage/records.py).
_REGISTER = Register(Audit)
by_number = _REGISTER.by_number


def nc_cards(session: Session, ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """The NCs an audit raised: id -> (number, its card's permalink once the card is out)."""
    if not ids:
        return {}
    query = select(Nonconformity.id, Nonconformity.number, Nonconformity.card_permalink).where(
        col(Nonconformity.id).in_(ids)
    )
    return {nc_id: (number, link) for nc_id, number, link in session.exec(query).all() if nc_id is not None}
