"""The append-only audit trail of every change to a QMS record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from storage.models import AuditEvent


def record_change(
    session: Session,
    *,
    at: datetime,
    actor: str,
    record_type: str,
    record_ref: str,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=at,
        actor=actor,
        record_type=record_type,
        record_ref=record_ref,
        action=action,
        before=before,
        after=after,
        note=note,
    )
    session.add(event)
    session.flush()
    return event


def history(session: Session, record_type: str, record_ref: str) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.record_type == record_type, AuditEvent.record_ref == record_ref)
        .order_by(AuditEvent.id)  # type: ignore[arg-type]
    )
    return list(session.exec(query))
