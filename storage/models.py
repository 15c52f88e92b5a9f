"""The tables. Later features add their registers here (or in modules imported below)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


def _when(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime(), **kw)


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
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
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


class ProcessedEvent(SQLModel, table=True):
    """Slack Events API deliveries already handled, so a retried event writes nothing twice."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = _when()


class RecordSequence(SQLModel, table=True):
    """The last number handed out per record type and year (NC-2026-0007 → prefix NC, 2026, 7)."""

    __tablename__ = "record_sequence"

    prefix: str = Field(primary_key=True, max_length=8)
    year: int = Field(primary_key=True)
    last: int = 0


class AuditEvent(SQLModel, table=True):
    """One change to a QMS record: who, when, what, before and after (ISO 9001 7.5.3).

    Append-only: the migration installs triggers that refuse UPDATE and DELETE.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_record", "record_type", "record_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _when()
    actor: str = Field(max_length=32)
    record_type: str = Field(max_length=40)
    record_ref: str = Field(max_length=40)
    action: str = Field(max_length=60)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
