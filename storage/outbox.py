"""Outbox queries: enqueue idempotently, claim under a lease, record the outcome."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, col, select

from storage.models import OutboxMessage
from storage.records import Register
from storage.upsert import changed_rows, insert_ignore, insert_ignore_many


def enqueue(session: Session, values: dict[str, Any]) -> bool:
    """Insert a message unless one with the same key exists; True if it was new."""
    return insert_ignore(session, OutboxMessage, values, ["key"])


def enqueue_many(session: Session, values: list[dict[str, Any]]) -> int:
    """Insert the messages whose keys are not there yet, in one statement; how many were new."""
    return insert_ignore_many(session, OutboxMessage, values, ["key"])


def _due_ids(
    session: Session, model: Any, now: datetime, limit: int, skip: Collection[str] = (), lock: bool = True
) -> list[int]:
    """The ids of up to `limit` due rows, oldest first: pending ones whose time has come and
    lapsed leases, each read through its own index range (status, not_before) and (status,
    lease_until); an OR of the two would make SQLite read the whole table. Rows for the
    recipients in `skip` are left where they are (the sender's one post a second per channel)."""
    found: list[tuple[datetime, int]] = []
    branches = (
        (col(model.status) == "pending", col(model.not_before) <= now),
        (col(model.status) == "sending", col(model.lease_until) < now),
    )
    for status, moment in branches:
        query = (
            select(model.not_before, model.id)
            .where(status, moment)
            .order_by(col(model.not_before), col(model.id))
            .limit(limit)
        )
        if skip:
            query = query.where(col(model.recipient).not_in(list(skip)))
        if lock and session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        found += session.exec(query).all()
    return [message_id for _, message_id in sorted(found)[:limit]]


def _due(model: Any, now: datetime) -> Any:
    return or_(
        and_(col(model.status) == "pending", col(model.not_before) <= now),
        # A sender that died mid-send leaves its rows in 'sending'; they come back after the lease.
        and_(col(model.status) == "sending", col(model.lease_until) < now),
    )


def claim_due(
    session: Session,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    worker: str,
    model: Any = OutboxMessage,
    skip_recipients: Collection[str] = (),
) -> list[Any]:
    """Claim up to `limit` due rows of a queue table (`model`) for `worker` until `now + lease`.

    PostgreSQL locks the candidates with FOR UPDATE SKIP LOCKED so senders on several
    instances take disjoint rows; SQLite ignores that clause, so every claim is also a
    compare-and-set UPDATE whose row count says whether this worker won the row. The
    webhook queue (storage/webhooks.py) has the same status and lease columns.
    """
    won = []
    for candidate in _due_ids(session, model, now, limit, skip_recipients):
        message_id = _first_queued_for_its_recipient(session, model, candidate, now)
        changed = changed_rows(
            session,
            update(model)
            .where(col(model.id) == message_id, _due(model, now))
            .values(status="sending", lease_until=now + lease, claimed_by=worker),
        )
        if changed == 1:
            won.append(message_id)
    if not won:
        return []
    rows = session.exec(select(model).where(col(model.id).in_(won)).order_by(col(model.id)))
    return list(rows)


def _first_queued_for_its_recipient(session: Session, model: Any, candidate: int, now: datetime) -> int:
    """The earliest queued of the due rows for the candidate's recipient: one person's
    messages go out in the order they were queued, even when a working-hours deferral gave
    the earlier one a later time ("answered" before "resolved", after a weekend)."""
    if model is not OutboxMessage:
        return candidate
    recipient = select(OutboxMessage.recipient).where(col(OutboxMessage.id) == candidate).scalar_subquery()
    first = session.exec(
        select(func.min(OutboxMessage.id)).where(
            col(OutboxMessage.recipient) == recipient,
            col(OutboxMessage.status) == "pending",
            col(OutboxMessage.not_before) <= now,
        )
    ).first()
    return first if first is not None and first < candidate else candidate


def any_due(session: Session, now: datetime) -> bool:
    """Whether an outbox row is due now, whoever it is for (read only: nothing is locked)."""
    return bool(_due_ids(session, OutboxMessage, now, 1, lock=False))


def settle(session: Session, model: Any, row_id: int, worker: str, **values: Any) -> bool:
    """Update a queue row this worker still holds; False if its lease was lost to another sender."""
    changed = changed_rows(
        session,
        update(model)
        .where(col(model.id) == row_id, col(model.status) == "sending", col(model.claimed_by) == worker)
        .values(lease_until=None, **values),
    )
    return changed == 1


def _settle(session: Session, message_id: int, worker: str, **values: Any) -> bool:
    return settle(session, OutboxMessage, message_id, worker, **values)


def mark_sent(session: Session, message_id: int, worker: str, *, now: datetime, channel: str, ts: str) -> bool:
    return _settle(
        session,
        message_id,
        worker,
        status="sent",
        sent_at=now,
        channel=channel,
        ts=ts,
        last_error=None,
        attempts=OutboxMessage.attempts + 1,
    )


def retry_later(session: Session, message_id: int, worker: str, *, not_before: datetime, error: str) -> bool:
    return _settle(
        session,
        message_id,
        worker,
        status="pending",
        claimed_by=None,
        not_before=not_before,
        last_error=error[:500],
        attempts=OutboxMessage.attempts + 1,
    )


def defer(session: Session, message_id: int, worker: str, *, not_before: datetime) -> bool:
    """Put a message back untouched until `not_before` (outside working hours, or a pause)."""
    return _settle(session, message_id, worker, status="pending", claimed_by=None, not_before=not_before)


def mark_failed(session: Session, message_id: int, worker: str, *, error: str) -> bool:
    return _settle(
        session, message_id, worker, status="failed", last_error=error[:500], attempts=OutboxMessage.attempts + 1
    )


def archive_sent(session: Session, *, before: datetime, now: datetime, limit: int) -> int:
    """Slim up to `limit` messages sent before `before`: their text, blocks and file spec go;
    the key stays, so the same nudge is never queued again, with who got it, for which record,
    and the channel and ts where it was sent. How many were archived."""
    ids = list(
        session.exec(
            select(OutboxMessage.id)
            .where(
                col(OutboxMessage.status) == "sent",
                col(OutboxMessage.archived_at).is_(None),
                col(OutboxMessage.sent_at) < before,
            )
            .order_by(col(OutboxMessage.sent_at))
            .limit(limit)
        )
    )
    if not ids:
        return 0
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids))
        .values(text="", blocks=None, attachment=None, archived_at=now)
    )
    return len(ids)


def _starts_with(prefix: str) -> Any:
    """Keys that start with `prefix`, as a range the unique index on key serves on both databases
    (a LIKE 'prefix%' is not: SQLite's LIKE ignores case, PostgreSQL's index is not for patterns).
    Keys compare byte by byte on both (storage/models.py: KEY_TYPE)."""
    if not prefix:
        raise ValueError("an outbox key prefix is never empty")
    following = prefix[:-1] + chr(ord(prefix[-1]) + 1)  # the first string after every key under prefix
    return and_(col(OutboxMessage.key) >= prefix, col(OutboxMessage.key) < following)


def cancel_pending(session: Session, key_prefix: str) -> int:
    """Cancel the not-yet-sent messages whose key starts with `key_prefix` (the work got done)."""
    return changed_rows(
        session,
        update(OutboxMessage)
        .where(_starts_with(key_prefix), col(OutboxMessage.status) == "pending")
        .values(status="cancelled"),
    )


def rewrite_pending(session: Session, key: str, *, text: str, blocks: Any, not_before: datetime) -> bool:
    """Change a message that has not gone out yet (False when it is already sent or gone)."""
    changed = changed_rows(
        session,
        update(OutboxMessage)
        .where(col(OutboxMessage.key) == key, col(OutboxMessage.status) == "pending")
        .values(text=text, blocks=blocks, not_before=not_before),
    )
    return changed == 1


def by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.exec(select(OutboxMessage).where(col(OutboxMessage.key) == key)).first()


def status_counts(session: Session) -> dict[str, int]:
    query = select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
    return {status: count for status, count in session.exec(query).all()}


def oldest_pending(session: Session) -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(col(OutboxMessage.status) == "pending")
        .order_by(col(OutboxMessage.not_before))
        .limit(1)
    )
    return session.exec(query).first()


def recent_failures(session: Session, limit: int = 5) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(col(OutboxMessage.status) == "failed")
        .order_by(col(OutboxMessage.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def keys_with_prefix(session: Session, prefix: str) -> set[str]:
    """Keys already queued under `prefix`, so a nudge source can skip what exists in one query."""
    return set(session.exec(select(OutboxMessage.key).where(_starts_with(prefix))).all())


def existing_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of `keys` the outbox holds already, whatever their status (by the unique index)."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(session.exec(select(OutboxMessage.key).where(col(OutboxMessage.key).in_(chunk))).all())
    return found


# The queries every register has, written once (storage/records.py).
_REGISTER = Register(OutboxMessage)
get = _REGISTER.get


def stuck_count(session: Session, lapsed_before: datetime) -> int:
    """Rows claimed for sending whose lease ran out before `lapsed_before` and nobody took them
    again: a running sender takes a lapsed row within seconds, so these mean no sender runs."""
    query = select(func.count()).where(
        col(OutboxMessage.status) == "sending", col(OutboxMessage.lease_until) < lapsed_before
    )
    return int(session.exec(query).one())
