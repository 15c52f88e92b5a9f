"""The tables of the programme: internal audits (9.2), the document register (7.5) and
management reviews (9.3). Kept apart from `storage.models` only to keep that file readable."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import LOOK_NOW, _in, _when

AUDIT_STATUSES = ("planned", "completed", "cancelled")
ANSWERS = ("conforming", "nonconforming", "observation")
FINDING_KINDS = ("nonconformity", "improvement", "positive")
REVIEW_STATUSES = ("planned", "held", "cancelled")
RECURRENCES = ("none", "quarterly", "half-yearly", "yearly")
DOC_REVIEW_OUTCOMES = ("no_change", "revised")


class Audit(SQLModel, table=True):
    """One internal audit of the programme: a process, its scope, who audits, when."""

    __tablename__ = "audit"
    __table_args__ = (
        Index("ix_audit_next_nudge", "next_nudge_at"),  # the records a nudge tick looks at now
        UniqueConstraint("number", name="uq_audit_number"),
        _in("status", AUDIT_STATUSES, "ck_audit_status"),
        Index("ix_audit_status_date", "status", "planned_date"),
        Index("ix_audit_process", "process", "planned_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20)
    process: str = Field(max_length=100)
    scope: str = Field(sa_column=Column(Text, nullable=False))
    clauses: str | None = Field(default=None, max_length=200)
    lead_auditor: str = Field(max_length=32)
    auditees: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    planned_date: date
    status: str = Field(default="planned", max_length=12)
    planned_by: str = Field(max_length=32)
    planned_at: datetime = _when()
    summary: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    completed_by: str | None = Field(default=None, max_length=32)
    completed_at: datetime | None = _when(default=None, nullable=True)
    # Goes up with every change; a button carries the version it was drawn for, and a press
    # on an older one changes nothing (docs/design-decisions.md 48).
    version: int = 1
    # When the nudge tick next looks at it (storage/marks.py); NULL: not until it changes.
    next_nudge_at: datetime | None = _when(default=LOOK_NOW, nullable=True)


class AuditQuestion(SQLModel, table=True):
    """A checklist line: the question, its ISO clause, and the auditor's answer."""

    __tablename__ = "audit_question"
    __table_args__ = (
        UniqueConstraint("audit_id", "seq", name="uq_audit_question_seq"),
        _in("answer", ANSWERS, "ck_audit_question_answer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id")
    seq: int
    clause: str | None = Field(default=None, max_length=20)
    question: str = Field(sa_column=Column(Text, nullable=False))
    answer: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_by: str | None = Field(default=None, max_length=32)
    answered_at: datetime | None = _when(default=None, nullable=True)
    nc_id: int | None = Field(default=None, foreign_key="nonconformity.id")
    # Goes up with every change; a button carries the version it was drawn for, and a press
    # on an older one changes nothing (docs/design-decisions.md 48).
    version: int = 1


class AuditFinding(SQLModel, table=True):
    """What the audit found: a nonconformity (an NC), an opportunity for improvement, or a positive."""

    __tablename__ = "audit_finding"
    __table_args__ = (
        UniqueConstraint("audit_id", "seq", name="uq_audit_finding_seq"),
        _in("kind", FINDING_KINDS, "ck_audit_finding_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id")
    seq: int
    kind: str = Field(max_length=16)
    text: str = Field(sa_column=Column(Text, nullable=False))
    nc_id: int | None = Field(default=None, foreign_key="nonconformity.id")


class ControlledDocument(SQLModel, table=True):
    """A documented procedure, instruction or form in the register, reviewed on a cycle."""

    __tablename__ = "controlled_document"
    __table_args__ = (
        Index("ix_controlled_document_next_nudge", "next_nudge_at"),  # the records a nudge tick looks at now
        UniqueConstraint("reference_key", name="uq_controlled_document_reference"),
        Index("ix_controlled_document_next_review", "next_review"),
        Index("ix_controlled_document_owner", "owner"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40)
    reference_key: str = Field(max_length=40)
    title: str = Field(max_length=150)
    owner: str = Field(max_length=32)
    link: str | None = Field(default=None, max_length=1000)
    revision: str = Field(max_length=20)
    review_months: int
    last_reviewed: date
    next_review: date
    added_by: str = Field(max_length=32)
    added_at: datetime = _when()
    # Goes up with every change; a button carries the version it was drawn for, and a press
    # on an older one changes nothing (docs/design-decisions.md 48).
    version: int = 1
    # When the nudge tick next looks at it (storage/marks.py); NULL: not until it changes.
    next_nudge_at: datetime | None = _when(default=LOOK_NOW, nullable=True)


class DocumentReview(SQLModel, table=True):
    """A review of a document: confirmed as it is, or revised."""

    __tablename__ = "document_review"
    __table_args__ = (
        _in("outcome", DOC_REVIEW_OUTCOMES, "ck_document_review_outcome"),
        Index("ix_document_review_document", "document_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="controlled_document.id")
    reviewed_on: date
    reviewed_by: str = Field(max_length=32)
    outcome: str = Field(max_length=12)
    revision_before: str = Field(max_length=20)
    revision_after: str = Field(max_length=20)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    training_number: str | None = Field(default=None, max_length=20)
    recorded_at: datetime = _when()


class ManagementReview(SQLModel, table=True):
    """A management review (9.3): planned, its input pack sent ahead, then held and minuted."""

    __tablename__ = "management_review"
    __table_args__ = (
        Index("ix_management_review_next_nudge", "next_nudge_at"),  # the records a nudge tick looks at now
        UniqueConstraint("number", name="uq_management_review_number"),
        # One successor per review: holding it twice (or two people at once) plans one next review.
        UniqueConstraint("previous_id", name="uq_management_review_previous"),
        _in("status", REVIEW_STATUSES, "ck_management_review_status"),
        _in("recurrence", RECURRENCES, "ck_management_review_recurrence"),
        Index("ix_management_review_status_date", "status", "planned_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20)
    planned_date: date
    attendees: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    recurrence: str = Field(default="none", max_length=12)
    status: str = Field(default="planned", max_length=12)
    scheduled_by: str = Field(max_length=32)
    scheduled_at: datetime = _when()
    previous_id: int | None = Field(default=None, foreign_key="management_review.id")
    held_on: date | None = None
    minutes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    recorded_by: str | None = Field(default=None, max_length=32)
    recorded_at: datetime | None = _when(default=None, nullable=True)
    # Goes up with every change; a button carries the version it was drawn for, and a press
    # on an older one changes nothing (docs/design-decisions.md 48).
    version: int = 1
    # When the nudge tick next looks at it (storage/marks.py); NULL: not until it changes.
    next_nudge_at: datetime | None = _when(default=LOOK_NOW, nullable=True)


class ReviewAction(SQLModel, table=True):
    """An output of a management review (9.3.3): tracked and nudged like a corrective action."""

    __tablename__ = "review_action"
    __table_args__ = (
        Index("ix_review_action_next_nudge", "next_nudge_at"),  # the records a nudge tick looks at now
        UniqueConstraint("review_id", "seq", name="uq_review_action_seq"),
        _in("status", ("open", "done"), "ck_review_action_status"),
        Index("ix_review_action_open", "status", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="management_review.id")
    seq: int
    description: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(max_length=32)
    due_date: date
    status: str = Field(default="open", max_length=8)
    done_by: str | None = Field(default=None, max_length=32)
    done_at: datetime | None = _when(default=None, nullable=True)
    evidence: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Goes up with every change; a button carries the version it was drawn for, and a press
    # on an older one changes nothing (docs/design-decisions.md 48).
    version: int = 1
    # When the nudge tick next looks at it (storage/marks.py); NULL: not until it changes.
    next_nudge_at: datetime | None = _when(default=LOOK_NOW, nullable=True)
