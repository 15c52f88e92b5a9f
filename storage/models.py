"""The tables. Later features add their registers here (or in modules imported below)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "cancelled")
KEY_TYPE = String(200).with_variant(String(200, collation="C"), "postgresql")
# A record's next_nudge_at when it is new or has just changed: the next tick looks at it.
LOOK_NOW: datetime = datetime(2000, 1, 1, tzinfo=UTC)


def _when(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime(), **kw)


def _in(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN ({', '.join(repr(v) for v in values)})", name=name)


class OutboxMessage(SQLModel, table=True):
    """A message (usually a nudge) waiting to be delivered, or the record that it was.

    `key` is unique: deriving the same nudge twice, from a restart or a second instance,
    inserts nothing the second time.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("key", name="uq_outbox_message_key"),
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')", name="ck_outbox_message_status"
        ),
        Index("ix_outbox_message_due", "status", "not_before"),
        Index("ix_outbox_message_recipient", "recipient", "status"),
        Index("ix_outbox_message_lease", "status", "lease_until"),  # the claim's lapsed leases
        # Sent rows not yet archived, oldest first: the archive job seeks past what it did.
        Index("ix_outbox_message_archive", "status", "archived_at", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Compared byte by byte on PostgreSQL too (its default collation may sort "nc:42:" apart from
    # "nc:42:owner"), so a prefix is a range the unique index serves (storage/outbox.py).
    key: str = Field(sa_column=Column(KEY_TYPE, nullable=False))
    recipient: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    blocks: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    thread_ts: str | None = Field(default=None, max_length=32)
    record_ref: str | None = Field(default=None, max_length=40)
    in_working_hours: bool = True
    snoozable: bool = False
    status: str = Field(default="pending", max_length=12)
    not_before: datetime = _when()
    attempts: int = 0
    lease_until: datetime | None = _when(default=None, nullable=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    channel: str | None = Field(default=None, max_length=32)
    ts: str | None = Field(default=None, max_length=32)
    sent_at: datetime | None = _when(default=None, nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _when()
    # A file to render at send time and upload with `text` as its comment, e.g.
    # {"kind": "digest_chart", "period_end": "2026-11-30"}; rendered late so the row stays small.
    attachment: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # Set when a sent row past QMS_OUTBOX_KEEP_DAYS was slimmed to what is kept for good: its
    # key (the guarantee against doubles), recipient, record, where and when it was sent.
    archived_at: datetime | None = _when(default=None, nullable=True)


class ProcessedEvent(SQLModel, table=True):
    """Slack Events API deliveries already handled, so a retried event writes nothing twice."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = _when()


class FormSubmission(SQLModel, table=True):
    """A form's submission, claimed in the transaction that creates or changes its record.

    Slack sends the same view again when people press Submit twice (a slow answer shows them
    an error): the view's id names the submission, so the second one creates or changes
    nothing and is answered with the record the first one made or changed.
    """

    __tablename__ = "form_submission"

    callback: str = Field(primary_key=True, max_length=40)
    view_id: str = Field(primary_key=True, max_length=32)
    record_type: str = Field(max_length=24)
    record_ref: str = Field(max_length=40)
    submitted_by: str = Field(max_length=32)
    submitted_at: datetime = _when()


class RecordSequence(SQLModel, table=True):
    """The last number handed out per record type and year (NC-2026-0007 → prefix NC, 2026, 7)."""

    __tablename__ = "record_sequence"

    prefix: str = Field(primary_key=True, max_length=8)
    year: int = Field(primary_key=True)
    last: int = 0


class AuditEvent(SQLModel, table=True):
    """One change to a QMS record: who, when, what, before and after (ISO 9001 7.5.3).

    Append-only: the migration installs triggers that refuse UPDATE and DELETE. Each event
    carries the hash of the one before it (`storage.audit.chain_hash`), so an edited,
    deleted or inserted event shows when the chain is recomputed; `prev_hash` is unique,
    so two writers can never both append after the same event (a fork).
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_record", "record_type", "record_ref"),
        UniqueConstraint("prev_hash", name="uq_audit_event_prev_hash"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when()
    actor: str = Field(max_length=32)
    record_type: str = Field(max_length=40)
    record_ref: str = Field(max_length=40)
    action: str = Field(max_length=60)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    prev_hash: str = Field(max_length=64)
    event_hash: str = Field(max_length=64)


WEBHOOK_STATUSES = ("pending", "sending", "sent", "failed")


class WebhookDelivery(SQLModel, table=True):
    """One event for one webhook endpoint: queued with the change, POSTed until it lands.

    `event_id` is the idempotency key receivers see (the same for every endpoint);
    `key` = event and endpoint is unique, so an event is queued once per endpoint. `body` is
    the exact JSON sent, kept as text so every retry is signed over the same bytes.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("key", name="uq_webhook_delivery_key"),
        _in("status", WEBHOOK_STATUSES, "ck_webhook_delivery_status"),
        Index("ix_webhook_delivery_due", "status", "not_before"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120)
    event_id: str = Field(max_length=64)
    event_type: str = Field(max_length=40)
    endpoint: str = Field(max_length=40)
    url: str = Field(max_length=1000)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="pending", max_length=12)
    not_before: datetime = _when()
    attempts: int = 0
    lease_until: datetime | None = _when(default=None, nullable=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    last_status: int | None = None  # the receiver's last HTTP status, if it answered
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _when()
    sent_at: datetime | None = _when(default=None, nullable=True)


NC_STATUSES = (
    "open",
    "contained",
    "root_cause_found",
    "actions_planned",
    "actions_done",
    "effectiveness_verified",
    "closed",
    "cancelled",
)


class MessageCapture(SQLModel, table=True):
    """A copy of the Slack message an NC was raised from: messages get edited and deleted."""

    __tablename__ = "message_capture"

    id: int | None = Field(default=None, primary_key=True)
    captured_by: str = Field(max_length=32)
    captured_at: datetime = _when()
    channel: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    author: str | None = Field(default=None, max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    permalink: str | None = Field(default=None, max_length=500)
    public: bool = False  # from a public channel: the card may quote it


class Nonconformity(SQLModel, table=True):
    """A nonconformity and its corrective action (ISO 9001 8.7, 10.2), worked to a verified close.

    `version` goes up with every change; steps are compare-and-set on the status, so two
    people pressing the same button move the record once.
    """

    __tablename__ = "nonconformity"
    __table_args__ = (
        Index("ix_nonconformity_next_nudge", "next_nudge_at"),  # the records a nudge tick looks at now
        UniqueConstraint("number", name="uq_nonconformity_number"),
        _in("status", NC_STATUSES, "ck_nonconformity_status"),
        Index("ix_nonconformity_status", "status", "due_date"),
        Index("ix_nonconformity_process", "process", "closed_at"),
        Index("ix_nonconformity_owner", "owner", "status"),
        # The digest and the review pack count NCs raised and closed in a period.
        Index("ix_nonconformity_raised", "raised_at"),
        Index("ix_nonconformity_closed", "status", "closed_at"),
        Index("ix_nonconformity_severity", "status", "severity", "id"),  # open by severity; active ids
        Index("ix_nonconformity_supplier", "supplier_id", "raised_at"),  # a supplier's scorecard
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20)
    title: str = Field(max_length=150)
    description: str = Field(sa_column=Column(Text, nullable=False))
    severity: str = Field(max_length=12)
    source: str = Field(max_length=24)
    process: str = Field(max_length=75)
    # Free text for a supplier not in the register; a registered one is named by supplier_id too.
    supplier: str | None = Field(default=None, max_length=150)
    supplier_id: int | None = Field(default=None, foreign_key="supplier.id")
    iso_clause: str | None = Field(default=None, max_length=20)
    initial_containment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    owner: str = Field(max_length=32)
    reporter: str = Field(max_length=32)
    due_date: date
    status: str = Field(default="open", max_length=24)
    version: int = 1
    raised_at: datetime = _when()
    updated_at: datetime = _when()
    origin_id: int | None = Field(default=None, foreign_key="message_capture.id")
    card_channel: str | None = Field(default=None, max_length=32)
    card_ts: str | None = Field(default=None, max_length=32)
    card_permalink: str | None = Field(default=None, max_length=500)
    containment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    root_cause_method: str | None = Field(default=None, max_length=20)
    root_cause: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    occurs_elsewhere: str | None = Field(default=None, max_length=8)
    elsewhere_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    actions_done_at: datetime | None = _when(default=None, nullable=True)
    verified_by: str | None = Field(default=None, max_length=32)
    verified_at: datetime | None = _when(default=None, nullable=True)
    verification_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    failed_verifications: int = 0
    closed_by: str | None = Field(default=None, max_length=32)
    closed_at: datetime | None = _when(default=None, nullable=True)
    cancel_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    possible_recurrence_of: int | None = Field(default=None, foreign_key="nonconformity.id")
    recurrence_of: int | None = Field(default=None, foreign_key="nonconformity.id")
    # The risk this NC realised (the risk register, ISO 9001 6.1).
    risk_id: int | None = Field(default=None, foreign_key="risk.id")
    # When the nudge tick next looks at it (storage/marks.py); NULL: not until it changes.
    next_nudge_at: datetime | None = _when(default=LOOK_NOW, nullable=True)


class CorrectiveAction(SQLModel, table=True):
    """One corrective or preventive action on an NC, numbered A1, A2, … within it."""

    __tablename__ = "corrective_action"
    __table_args__ = (
        Index("ix_corrective_action_next_nudge", "next_nudge_at"),  # the records a nudge tick looks at now
        UniqueConstraint("nc_id", "seq", name="uq_corrective_action_seq"),
        # The view that added it, kept for the record; a repeated submission is decided by
        # its claim in form_submission (storage.submissions), made first in the transaction.
        UniqueConstraint("nc_id", "submission", name="uq_corrective_action_submission"),
        UniqueConstraint("risk_id", "seq", name="uq_corrective_action_risk_seq"),
        UniqueConstraint("risk_id", "submission", name="uq_corrective_action_risk_submission"),
        CheckConstraint("(nc_id IS NULL) <> (risk_id IS NULL)", name="ck_corrective_action_parent"),
        _in("kind", ("corrective", "preventive"), "ck_corrective_action_kind"),
        _in("status", ("open", "done"), "ck_corrective_action_status"),
        Index("ix_corrective_action_owner", "owner", "status"),
        Index("ix_corrective_action_due", "status", "due_date", "nc_id"),  # overdue ones, counted in it
    )

    id: int | None = Field(default=None, primary_key=True)
    # An action belongs to an NC or to a risk (its treatment), never both: ck_corrective_action_parent.
    nc_id: int | None = Field(default=None, foreign_key="nonconformity.id")
    risk_id: int | None = Field(default=None, foreign_key="risk.id")
    seq: int
    submission: str = Field(max_length=64)
    kind: str = Field(max_length=12)
    description: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(max_length=32)
    due_date: date
    status: str = Field(default="open", max_length=8)
    created_by: str = Field(max_length=32)
    created_at: datetime = _when()
    done_by: str | None = Field(default=None, max_length=32)
    done_at: datetime | None = _when(default=None, nullable=True)
    evidence: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # When the nudge tick next looks at it (storage/marks.py); NULL: not until it changes.
    next_nudge_at: datetime | None = _when(default=LOOK_NOW, nullable=True)


class TrainingRound(SQLModel, table=True):
    """One document revision (or training) published for acknowledgement (ISO 9001 7.2, 7.3).

    A new revision of the same document is a new round; acknowledgements belong to a round,
    so earlier revisions' acknowledgements stay on record.
    """

    __tablename__ = "training_round"
    __table_args__ = (
        Index("ix_training_round_next_nudge", "next_nudge_at"),  # the records a nudge tick looks at now
        UniqueConstraint("number", name="uq_training_round_number"),
        UniqueConstraint("doc_key", "revision_key", name="uq_training_round_revision"),
        _in("status", ("open", "closed"), "ck_training_round_status"),
        Index("ix_training_round_doc", "doc_key", "published_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20)
    title: str = Field(max_length=150)
    doc_ref: str = Field(max_length=40)
    revision: str = Field(max_length=20)
    # Case- and space-insensitive forms: "sop-012 rev c" is the same revision as "SOP-012 Rev C".
    doc_key: str = Field(max_length=40)
    revision_key: str = Field(max_length=20)
    link: str | None = Field(default=None, max_length=1000)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    due_date: date
    publisher: str = Field(max_length=32)
    published_at: datetime = _when()
    audience: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    left_out: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    status: str = Field(default="open", max_length=8)
    closed_by: str | None = Field(default=None, max_length=32)
    closed_at: datetime | None = _when(default=None, nullable=True)
    # When the nudge tick next looks at it (storage/marks.py); NULL: not until it changes.
    next_nudge_at: datetime | None = _when(default=LOOK_NOW, nullable=True)


class TrainingAssignment(SQLModel, table=True):
    """One person in a round's audience, and whether (and when) they acknowledged it."""

    __tablename__ = "training_assignment"
    __table_args__ = (
        Index("ix_training_assignment_next_nudge", "next_nudge_at"),  # the records a nudge tick looks at now
        UniqueConstraint("round_id", "person", name="uq_training_assignment_person"),
        _in("status", ("pending", "acknowledged"), "ck_training_assignment_status"),
        Index("ix_training_assignment_person", "person", "status"),
        Index("ix_training_assignment_round", "round_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="training_round.id")
    person: str = Field(max_length=32)
    status: str = Field(default="pending", max_length=12)
    acknowledged_at: datetime | None = _when(default=None, nullable=True)
    # Goes up with every change; a button carries the version it was drawn for, and a press
    # on an older one changes nothing (docs/design-decisions.md 48).
    version: int = 1
    # When the nudge tick next looks at it (storage/marks.py); NULL: not until it changes.
    next_nudge_at: datetime | None = _when(default=LOOK_NOW, nullable=True)


FEEDBACK_KINDS = ("complaint", "compliment", "suggestion", "survey")
RESPONSE_STATES = ("received", "responded", "resolved")


class Feedback(SQLModel, table=True):
    """What a customer said (ISO 9001 9.1.2); a complaint is answered and may become an NC (10.2)."""

    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_next_nudge", "next_nudge_at"),  # the records a nudge tick looks at now
        UniqueConstraint("number", name="uq_feedback_number"),
        UniqueConstraint("nc_id", name="uq_feedback_nc"),
        _in("kind", FEEDBACK_KINDS, "ck_feedback_kind"),
        _in("response", RESPONSE_STATES, "ck_feedback_response"),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="ck_feedback_rating"),
        Index("ix_feedback_received", "received_on"),
        Index("ix_feedback_complaints", "kind", "response"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20)
    kind: str = Field(max_length=12)
    customer: str = Field(max_length=150)
    product: str | None = Field(default=None, max_length=150)
    received_via: str = Field(max_length=12)
    rating: int | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    received_on: date
    logged_by: str = Field(max_length=32)
    logged_at: datetime = _when()
    origin_id: int | None = Field(default=None, foreign_key="message_capture.id")
    # Complaints only: who answers the customer, by when, and how far it got.
    owner: str | None = Field(default=None, max_length=32)
    respond_by: date | None = None
    response: str = Field(default="received", max_length=12)
    responded_at: datetime | None = _when(default=None, nullable=True)
    responded_by: str | None = Field(default=None, max_length=32)
    resolved_at: datetime | None = _when(default=None, nullable=True)
    resolved_by: str | None = Field(default=None, max_length=32)
    card_channel: str | None = Field(default=None, max_length=32)
    card_ts: str | None = Field(default=None, max_length=32)
    card_permalink: str | None = Field(default=None, max_length=500)
    nc_id: int | None = Field(default=None, foreign_key="nonconformity.id")
    # Goes up with every change; a button carries the version it was drawn for, and a press
    # on an older one changes nothing (docs/design-decisions.md 48).
    version: int = 1
    # When the nudge tick next looks at it (storage/marks.py); NULL: not until it changes.
    next_nudge_at: datetime | None = _when(default=LOOK_NOW, nullable=True)


class QualityObjective(SQLModel, table=True):
    """A quality objective (ISO 9001 6.2): what is measured, the target, and which way is good."""

    __tablename__ = "quality_objective"
    __table_args__ = (
        _in("direction", ("at_least", "at_most"), "ck_quality_objective_direction"),
        _in("period", ("month", "quarter", "year"), "ck_quality_objective_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    measure: str = Field(max_length=40)  # a computed measure's key, or "manual"
    target: float
    direction: str = Field(max_length=8)
    unit: str = Field(default="", max_length=20)
    period: str = Field(max_length=8)
    created_by: str = Field(max_length=32)
    created_at: datetime = _when()


class KpiValue(SQLModel, table=True):
    """A value entered by hand for an objective and period (`/kpi log`); the latest one counts."""

    __tablename__ = "kpi_value"
    __table_args__ = (UniqueConstraint("objective_id", "period_key", name="uq_kpi_value_period"),)

    id: int | None = Field(default=None, primary_key=True)
    objective_id: int = Field(foreign_key="quality_objective.id")
    period_key: str = Field(max_length=10)
    value: float
    logged_by: str = Field(max_length=32)
    logged_at: datetime = _when()


# The programme (audits, document register, management reviews) lives beside: imported here
# so that every table is known wherever the models are.
from storage.models_programme import (  # noqa: E402
    Audit,
    AuditFinding,
    AuditQuestion,
    ControlledDocument,
    DocumentReview,
    ManagementReview,
    ReviewAction,
)

PROGRAMME_TABLES = (
    Audit,
    AuditQuestion,
    AuditFinding,
    ControlledDocument,
    DocumentReview,
    ManagementReview,
    ReviewAction,
)

# Evidence files (bytes keyed by SHA-256, and which record each is attached to).
from storage.models_evidence import EvidenceContent, EvidenceFile  # noqa: E402

EVIDENCE_TABLES = (EvidenceContent, EvidenceFile)

# Nonconforming outputs (8.7): the affected output of an NC and the decisions on it.
from storage.models_outputs import AffectedOutput, Disposition  # noqa: E402

OUTPUT_TABLES = (AffectedOutput, Disposition)

# Monitoring and measuring equipment (7.1.5) and its calibrations.
from storage.models_equipment import Calibration, MeasuringEquipment  # noqa: E402

EQUIPMENT_TABLES = (MeasuringEquipment, Calibration)

# Competence required by role (7.2): a user group's or channel's required documents.
from storage.models_competence import CompetenceRequirement  # noqa: E402

COMPETENCE_TABLES = (CompetenceRequirement,)

# The risk and opportunity register (6.1): risks, and every scoring of each.
from storage.models_risks import Risk, RiskScore  # noqa: E402

RISK_TABLES = (Risk, RiskScore)

# External providers (8.4): the supplier register and its evaluations.
from storage.models_suppliers import Supplier, SupplierEvaluation  # noqa: E402

SUPPLIER_TABLES = (Supplier, SupplierEvaluation)
