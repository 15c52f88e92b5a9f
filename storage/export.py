"""Row queries for the evidence export: one per register, streamed, never loaded whole.

Each query selects plain columns (no ORM objects, so nothing piles up in the session's
identity map) in a stable order, optionally limited to a period by the register's own
date. `stream` runs one in batches (a server-side cursor on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from storage.models import (
    Audit,
    AuditEvent,
    AuditFinding,
    AuditQuestion,
    Calibration,
    ControlledDocument,
    CorrectiveAction,
    DocumentReview,
    EvidenceFile,
    Feedback,
    KpiValue,
    ManagementReview,
    MeasuringEquipment,
    MessageCapture,
    Nonconformity,
    QualityObjective,
    ReviewAction,
    TrainingAssignment,
    TrainingRound,
)
from storage.models_risks import Risk

BATCH = 2000


def _columns(*selected: Any) -> Select[Any]:
    """SELECT these columns. SQLModel types a model's attributes as their values (str, int…),
    which select()'s typed overloads refuse; the rows here are plain tuples anyway."""
    return select(*selected)


def stream(session: Session, query: Select[Any], batch: int = BATCH) -> Iterator[Sequence[Any]]:
    result = session.execute(query.execution_options(yield_per=batch))
    for row in result:
        yield tuple(row)


def _within(column: Any, start: datetime | date | None, end: datetime | date | None) -> Any:
    """start <= column < end, either bound open."""
    return and_(
        column >= start if start is not None else literal(True),
        column < end if end is not None else literal(True),
    )


def _message_copy() -> tuple[Any, ...]:
    """The message a record was raised from, as copied: the evidence keeps it even when it
    came from a private conversation (the export is for QMS managers)."""
    return (MessageCapture.permalink, MessageCapture.author, MessageCapture.text)


def nonconformities(start: datetime | None = None, end: datetime | None = None) -> Select[Any]:
    earlier = aliased(Nonconformity)
    nc = Nonconformity
    return (
        _columns(
            nc.number,
            nc.title,
            nc.status,
            nc.severity,
            nc.source,
            nc.process,
            nc.supplier,
            nc.iso_clause,
            nc.owner,
            nc.reporter,
            nc.raised_at,
            nc.due_date,
            nc.description,
            nc.initial_containment,
            nc.containment,
            nc.root_cause_method,
            nc.root_cause,
            nc.occurs_elsewhere,
            nc.actions_done_at,
            nc.verified_by,
            nc.verified_at,
            nc.verification_note,
            nc.failed_verifications,
            nc.closed_by,
            nc.closed_at,
            nc.cancel_reason,
            earlier.number,
            nc.card_permalink,
            *_message_copy(),
        )
        .outerjoin(earlier, col(earlier.id) == col(nc.recurrence_of))
        .outerjoin(MessageCapture, col(MessageCapture.id) == col(nc.origin_id))
        .where(_within(col(nc.raised_at), start, end))
        .order_by(col(nc.id))
    )


def actions(start: datetime | None = None, end: datetime | None = None) -> Select[Any]:
    """Every action, the NCs' first and then the risks' (treatment actions), each named by its record."""
    a = CorrectiveAction
    return (
        _columns(
            func.coalesce(Nonconformity.number, Risk.number),
            a.seq,
            a.kind,
            a.description,
            a.owner,
            a.due_date,
            a.status,
            a.created_by,
            a.created_at,
            a.done_by,
            a.done_at,
            a.evidence,
        )
        .outerjoin(Nonconformity, col(Nonconformity.id) == col(a.nc_id))
        .outerjoin(Risk, col(Risk.id) == col(a.risk_id))
        .where(_within(col(a.created_at), start, end))
        .order_by(col(a.risk_id).is_not(None), col(a.nc_id), col(a.risk_id), col(a.seq))
    )


def risks(start: datetime | None = None, end: datetime | None = None) -> Select[Any]:
    """Every risk raised in the period with its treatment and how many of its actions are done."""
    done = func.sum(case((col(CorrectiveAction.status) == "done", 1), else_=0))
    counted = (
        select(col(CorrectiveAction.risk_id).label("risk_id"), func.count().label("actions"), done.label("done"))
        .where(col(CorrectiveAction.risk_id).is_not(None))
        .group_by(col(CorrectiveAction.risk_id))
        .subquery()
    )
    r = Risk
    query = _columns(
        r.number,
        r.kind,
        r.process,
        r.title,
        r.description,
        r.likelihood,
        r.impact,
        r.score,
        r.owner,
        r.reporter,
        r.raised_at,
        r.treatment,
        r.treatment_note,
        r.residual_likelihood,
        r.residual_impact,
        r.residual_score,
        r.review_date,
        r.reviewed_at,
        r.status,
        func.coalesce(counted.c.actions, 0),
        func.coalesce(counted.c.done, 0),
    ).outerjoin(counted, counted.c.risk_id == col(r.id))
    return query.where(_within(col(r.raised_at), start, end)).order_by(col(r.id))


def rounds(start: datetime | None = None, end: datetime | None = None) -> Select[Any]:
    """Training rounds with how many people each went to and how many acknowledged."""
    counted = (
        _columns(
            TrainingAssignment.round_id,
            func.count().label("people"),
            func.sum(case((col(TrainingAssignment.status) == "acknowledged", 1), else_=0)).label("done"),
        )
        .group_by(col(TrainingAssignment.round_id))
        .subquery()
    )
    r = TrainingRound
    return (
        _columns(
            r.number,
            r.title,
            r.doc_ref,
            r.revision,
            r.link,
            r.summary,
            r.publisher,
            r.published_at,
            r.due_date,
            r.status,
            r.closed_at,
            func.coalesce(counted.c.people, 0),
            func.coalesce(counted.c.done, 0),
        )
        .outerjoin(counted, counted.c.round_id == col(r.id))
        .where(_within(col(r.published_at), start, end))
        .order_by(col(r.id))
    )


def matrix_rounds(start: datetime | None = None, end: datetime | None = None) -> Select[Any]:
    """The matrix's columns: (id, number, document, revision) of each round, oldest first."""
    r = TrainingRound
    return (
        _columns(r.id, r.number, r.doc_ref, r.revision)
        .where(_within(col(r.published_at), start, end))
        .order_by(col(r.id))
    )


def matrix_cells(start: datetime | None = None, end: datetime | None = None) -> Select[Any]:
    """(person, round id, status, acknowledged at), person by person, in round order."""
    a = TrainingAssignment
    return (
        _columns(a.person, a.round_id, a.status, a.acknowledged_at)
        .join(TrainingRound, col(TrainingRound.id) == col(a.round_id))
        .where(_within(col(TrainingRound.published_at), start, end))
        .order_by(col(a.person), col(a.round_id))
    )


def feedback(start: date | None = None, end: date | None = None) -> Select[Any]:
    f = Feedback
    return (
        _columns(
            f.number,
            f.kind,
            f.customer,
            f.product,
            f.received_via,
            f.rating,
            f.text,
            f.received_on,
            f.logged_by,
            f.logged_at,
            f.owner,
            f.respond_by,
            f.response,
            f.responded_at,
            f.responded_by,
            f.resolved_at,
            f.resolved_by,
            Nonconformity.number,
            *_message_copy(),
        )
        .outerjoin(Nonconformity, col(Nonconformity.id) == col(f.nc_id))
        .outerjoin(MessageCapture, col(MessageCapture.id) == col(f.origin_id))
        .where(_within(col(f.received_on), start, end))
        .order_by(col(f.id))
    )


def objectives() -> Select[Any]:
    o = QualityObjective
    return _columns(
        o.id, o.name, o.measure, o.target, o.direction, o.unit, o.period, o.created_by, o.created_at
    ).order_by(col(o.id))


def measurements(start: datetime | None = None, end: datetime | None = None) -> Select[Any]:
    v = KpiValue
    return (
        _columns(
            v.objective_id,
            QualityObjective.name,
            v.period_key,
            v.value,
            QualityObjective.unit,
            v.logged_by,
            v.logged_at,
        )
        .join(QualityObjective, col(QualityObjective.id) == col(v.objective_id))
        .where(_within(col(v.logged_at), start, end))
        .order_by(col(v.objective_id), col(v.period_key))
    )


def audits(start: date | None = None, end: date | None = None) -> Select[Any]:
    a = Audit
    return (
        _columns(
            a.number,
            a.process,
            a.scope,
            a.clauses,
            a.lead_auditor,
            a.auditees,
            a.planned_date,
            a.status,
            a.planned_by,
            a.planned_at,
            a.summary,
            a.completed_by,
            a.completed_at,
        )
        .where(_within(col(a.planned_date), start, end))
        .order_by(col(a.planned_date), col(a.id))
    )


def audit_findings(start: date | None = None, end: date | None = None) -> Select[Any]:
    f = AuditFinding
    return (
        _columns(Audit.number, f.seq, f.kind, f.text, Nonconformity.number)
        .join(Audit, col(Audit.id) == col(f.audit_id))
        .outerjoin(Nonconformity, col(Nonconformity.id) == col(f.nc_id))
        .where(_within(col(Audit.planned_date), start, end))
        .order_by(col(Audit.planned_date), col(Audit.id), col(f.seq))
    )


def audit_checklists(start: date | None = None, end: date | None = None) -> Select[Any]:
    q = AuditQuestion
    return (
        _columns(
            Audit.number,
            q.seq,
            q.clause,
            q.question,
            q.answer,
            q.note,
            q.answered_by,
            q.answered_at,
            Nonconformity.number,
        )
        .join(Audit, col(Audit.id) == col(q.audit_id))
        .outerjoin(Nonconformity, col(Nonconformity.id) == col(q.nc_id))
        .where(_within(col(Audit.planned_date), start, end))
        .order_by(col(Audit.planned_date), col(Audit.id), col(q.seq))
    )


def documents() -> Select[Any]:
    d = ControlledDocument
    return _columns(
        d.reference,
        d.title,
        d.revision,
        d.owner,
        d.link,
        d.review_months,
        d.last_reviewed,
        d.next_review,
        d.added_by,
        d.added_at,
    ).order_by(col(d.reference_key))


def document_reviews(start: date | None = None, end: date | None = None) -> Select[Any]:
    r = DocumentReview
    return (
        _columns(
            ControlledDocument.reference,
            r.reviewed_on,
            r.reviewed_by,
            r.outcome,
            r.revision_before,
            r.revision_after,
            r.note,
            r.training_number,
            r.recorded_at,
        )
        .join(ControlledDocument, col(ControlledDocument.id) == col(r.document_id))
        .where(_within(col(r.reviewed_on), start, end))
        .order_by(col(r.id))
    )


def management_reviews(start: date | None = None, end: date | None = None) -> Select[Any]:
    m = ManagementReview
    earlier = aliased(ManagementReview)
    return (
        _columns(
            m.number,
            m.planned_date,
            m.status,
            m.recurrence,
            m.attendees,
            m.scheduled_by,
            m.scheduled_at,
            m.held_on,
            m.minutes,
            m.recorded_by,
            m.recorded_at,
            earlier.number,
        )
        .outerjoin(earlier, col(earlier.id) == col(m.previous_id))
        .where(_within(col(m.planned_date), start, end))
        .order_by(col(m.planned_date), col(m.id))
    )


def review_actions(start: date | None = None, end: date | None = None) -> Select[Any]:
    a = ReviewAction
    return (
        _columns(
            ManagementReview.number,
            a.seq,
            a.description,
            a.owner,
            a.due_date,
            a.status,
            a.done_by,
            a.done_at,
            a.evidence,
        )
        .join(ManagementReview, col(ManagementReview.id) == col(a.review_id))
        .where(_within(col(ManagementReview.planned_date), start, end))
        .order_by(col(ManagementReview.planned_date), col(a.review_id), col(a.seq))
    )


def trail(start: datetime | None = None, end: datetime | None = None) -> Select[Any]:
    e = AuditEvent
    return (
        _columns(
            e.id,
            e.at,
            e.actor,
            e.record_type,
            e.record_ref,
            e.action,
            e.before,
            e.after,
            e.note,
            e.prev_hash,
            e.event_hash,
        )
        .where(_within(col(e.at), start, end))
        .order_by(col(e.id))
    )


def evidence_files(start: datetime | None = None, end: datetime | None = None) -> Select[Any]:
    f = EvidenceFile
    return (
        _columns(
            f.record_ref, f.record_type, f.step, f.name, f.mimetype, f.size, f.uploaded_by, f.attached_at, f.sha256
        )
        .where(_within(col(f.attached_at), start, end))
        .order_by(col(f.id))
    )


def equipment_register() -> Select[Any]:
    """The register as it stands, for the evidence export: one row per piece of equipment."""
    e = MeasuringEquipment
    nc = aliased(Nonconformity)
    return (
        _columns(
            e.tag,
            e.description,
            e.location,
            e.owner,
            e.status,
            e.interval_months,
            e.last_calibrated,
            e.next_due,
            nc.number,
            e.added_by,
            e.added_at,
        )
        .outerjoin(nc, col(nc.id) == col(e.quarantine_nc_id))
        .order_by(col(e.tag_key))
    )


def calibrations(start: date | None = None, end: date | None = None) -> Select[Any]:
    """Every calibration in the period (by its date), with the NC a fail opened."""
    c, e = Calibration, MeasuringEquipment
    nc = aliased(Nonconformity)
    query = (
        _columns(
            e.tag,
            c.calibrated_on,
            c.by_lab,
            c.performed_by,
            c.result,
            c.certificate,
            c.note,
            c.next_due,
            nc.number,
            c.recorded_by,
            c.recorded_at,
        )
        .join(e, col(e.id) == col(c.equipment_id))
        .outerjoin(nc, col(nc.id) == col(c.nc_id))
    )
    return query.where(_within(col(c.calibrated_on), start, end)).order_by(col(c.calibrated_on), col(c.id))
