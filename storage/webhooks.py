"""Webhook delivery queue: one row per event and endpoint, claimed like the Slack outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import WebhookDelivery
from storage.outbox import claim_due as _claim
from storage.outbox import settle


def add(session: Session, delivery: WebhookDelivery) -> None:
    session.add(delivery)


def claim_due(session: Session, *, now: datetime, limit: int, lease: timedelta, worker: str) -> list[WebhookDelivery]:
    return _claim(session, now=now, limit=limit, lease=lease, worker=worker, model=WebhookDelivery)


def mark_sent(session: Session, row_id: int, worker: str, *, now: datetime, status: int) -> bool:
    return settle(
        session,
        WebhookDelivery,
        row_id,
        worker,
        status="sent",
        sent_at=now,
        last_status=status,
        last_error=None,
        attempts=WebhookDelivery.attempts + 1,
    )


def retry_later(
    session: Session, row_id: int, worker: str, *, not_before: datetime, status: int | None, error: str
) -> bool:
    return settle(
        session,
        WebhookDelivery,
        row_id,
        worker,
        status="pending",
        claimed_by=None,
        not_before=not_before,
        last_status=status,
        last_error=error[:500],
        attempts=WebhookDelivery.attempts + 1,
    )


def mark_failed(session: Session, row_id: int, worker: str, *, status: int | None, error: str) -> bool:
    return settle(
        session,
        WebhookDelivery,
        row_id,
        worker,
        status="failed",
        last_status=status,
        last_error=error[:500],
        attempts=WebhookDelivery.attempts + 1,
    )


def status_counts(session: Session) -> dict[str, int]:
    query = select(WebhookDelivery.status, func.count()).group_by(col(WebhookDelivery.status))
    return {status: count for status, count in session.exec(query).all()}


def deliveries(session: Session, **where: Any) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).filter_by(**where).order_by(col(WebhookDelivery.id))
    return list(session.exec(query).all())
