"""The append-only audit trail of every change to a QMS record, chained by hashes.

Each event stores the hash of the event before it and its own hash over its content and
that link (`chain_hash`). Editing an event changes its hash; deleting or inserting one
breaks the link of the event after it. `verify` recomputes the chain and names the first
broken link. Appends are serialised (SQLite's write lock, a PostgreSQL advisory lock held
to the end of the transaction), so the chain never forks; the unique `prev_hash` makes a
fork impossible even for a writer that skipped the lock.

Take care: `chain_hash` must never change, or every existing trail stops verifying.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from storage.models import AuditEvent

GENESIS = "0" * 64  # the link of the very first event
# Any constant; the same for every instance of the bot (the migration lock is 0x514D53).
_PG_CHAIN_LOCK = 0x514D5354
# session.info key: callables `hook(session, event)` run after every appended event, in
# its transaction (the composition root registers the webhook queue here).
AUDIT_HOOKS = "qms_audit_hooks"
AuditHook = Callable[[Session, AuditEvent], None]


def canonical(
    at: datetime,
    actor: str,
    record_type: str,
    record_ref: str,
    action: str,
    before: Any,
    after: Any,
    note: str | None,
    prev_hash: str,
) -> bytes:
    """The bytes an event's hash covers: its content as sorted, compact JSON, UTC to the microsecond."""
    fields = {
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "record_type": record_type,
        "record_ref": record_ref,
        "action": action,
        "before": before,
        "after": after,
        "note": note,
        "prev_hash": prev_hash,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(event: Any, prev_hash: str) -> str:
    """sha256 of the event's canonical form; `event` is an AuditEvent or a row with its columns."""
    return hashlib.sha256(
        canonical(
            event.at,
            event.actor,
            event.record_type,
            event.record_ref,
            event.action,
            event.before,
            event.after,
            event.note,
            prev_hash,
        )
    ).hexdigest()


def _as_stored(value: Any) -> Any:
    """What the JSON column gives back (tuples become lists, keys strings), so the hash
    computed now matches the one recomputed from the stored row."""
    return None if value is None else json.loads(json.dumps(value))


def lock_chain(session: Session) -> None:
    """Serialise appends until this transaction ends (SQLite's transactions already hold the write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_CHAIN_LOCK})


def head_hash(session: Session) -> str:
    last = session.exec(select(AuditEvent.event_hash).order_by(col(AuditEvent.id).desc()).limit(1)).first()
    return last or GENESIS


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
    """Append an event to the trail in the caller's transaction.

    Call it last in a transaction where possible: on PostgreSQL the chain lock is held
    until commit, so work done after it keeps other writers waiting.
    """
    change = dict(at=at, actor=actor, record_type=record_type, record_ref=record_ref, action=action)
    (event,) = record_changes(session, [change | dict(before=before, after=after, note=note)])
    return event


def record_changes(session: Session, changes: list[dict[str, Any]]) -> list[AuditEvent]:
    """Append several events, in order, in the caller's transaction (each dict holds the
    arguments of `record_change`): the chain's head is read once and the events inserted
    in one flush, where one call each read the head and flushed for every event."""
    for change in changes:
        if change["at"].tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
    lock_chain(session)
    prev = head_hash(session)
    events = []
    for change in changes:
        event = AuditEvent(
            at=change["at"],
            actor=change["actor"],
            record_type=change["record_type"],
            record_ref=change["record_ref"],
            action=change["action"],
            before=_as_stored(change.get("before")),
            after=_as_stored(change.get("after")),
            note=change.get("note"),
            prev_hash=prev,
            event_hash="",
        )
        event.event_hash = prev = chain_hash(event, prev)
        events.append(event)
    session.add_all(events)
    session.flush()
    for event in events:
        for hook in session.info.get(AUDIT_HOOKS, ()):
            hook(session, event)
    return events


def history(session: Session, record_type: str, record_ref: str) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(col(AuditEvent.record_type) == record_type, col(AuditEvent.record_ref) == record_ref)
        .order_by(col(AuditEvent.id))
    )
    return list(session.exec(query))


def stream(session: Session, batch: int = 2000) -> Iterator[AuditEvent]:
    """Every event in order, a batch at a time (server-side cursor on PostgreSQL)."""
    query = select(AuditEvent).order_by(col(AuditEvent.id)).execution_options(yield_per=batch)
    for event in session.exec(query):
        yield event
        session.expunge(event)  # keep the identity map from growing with the trail


@dataclass
class Verdict:
    """The outcome of recomputing the chain: how far it held and where it first broke."""

    checked: int
    head: str
    broken_at: int | None = None  # the id of the first event that does not verify
    problem: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def _describe(event: AuditEvent) -> str:
    return f"event #{event.id} ({event.at:%Y-%m-%d %H:%M:%S} UTC, {event.record_ref} {event.action} by {event.actor})"


def verify(session: Session) -> Verdict:
    """Recompute the chain from the first event; stop at the first that does not verify."""
    expected, before_previous = GENESIS, None
    previous: AuditEvent | None = None
    checked = 0
    for event in stream(session):
        if event.prev_hash != expected:
            if before_previous is not None and event.prev_hash == before_previous and previous is not None:
                # The event after it still points past it: it was slipped in later.
                return Verdict(
                    checked,
                    expected,
                    previous.id,
                    f"{_describe(previous)} was inserted into the trail: the event after it links to the one before it",
                )
            what = f"the event before it (#{previous.id})" if previous else "the start of the trail"
            gap = (
                previous is not None and event.id is not None and previous.id is not None and event.id > previous.id + 1
            )
            cause = (
                "an event between them was deleted" if gap else "an event before it was deleted, replaced or inserted"
            )
            return Verdict(checked, expected, event.id, f"{_describe(event)} does not link to {what}: {cause}")
        if chain_hash(event, event.prev_hash) != event.event_hash:
            return Verdict(
                checked,
                expected,
                event.id,
                f"{_describe(event)} was changed after it was written: its content no longer matches its hash",
            )
        before_previous, expected, previous = expected, event.event_hash, event
        checked += 1
    return Verdict(checked, expected)
