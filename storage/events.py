"""Slack event deduplication: Slack retries deliveries it thinks were not acknowledged."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col

from storage.models import ProcessedEvent
from storage.upsert import changed_rows, insert_ignore


def claim_event(session: Session, event_id: str, now: datetime) -> bool:
    """True the first time `event_id` is seen; do the event's writes in the same transaction."""
    return insert_ignore(session, ProcessedEvent, {"event_id": event_id, "received_at": now}, ["event_id"])


def forget_events_before(session: Session, cutoff: datetime) -> int:
    """Slack stops retrying after about an hour; older ids need not be kept for ever."""
    return changed_rows(session, delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < cutoff))


RETENTION = timedelta(days=2)
