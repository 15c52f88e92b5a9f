"""Queries for nonconformities, their corrective actions and captured messages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, union_all, update
from sqlmodel import Session, col, select

from storage import records
from storage.models import NC_STATUSES, CorrectiveAction, MessageCapture, Nonconformity
from storage.records import Register
from storage.upsert import changed_rows, insert_ignore

FINISHED = ("closed", "cancelled")
# Asked for as IN (the active statuses), not NOT IN (the finished ones): only the first
# can use the status index, and the active NCs are the few among many (bench/data_growth.py).
ACTIVE = tuple(s for s in NC_STATUSES if s not in FINISHED)


def add_capture(session: Session, capture: MessageCapture) -> MessageCapture:
    session.add(capture)
    session.flush()
    return capture


def get_capture(session: Session, capture_id: int) -> MessageCapture | None:
    return session.get(MessageCapture, capture_id)


def set_capture_permalink(session: Session, capture_id: int, permalink: str) -> None:
    session.execute(update(MessageCapture).where(col(MessageCapture.id) == capture_id).values(permalink=permalink))


def move(session: Session, nc: Nonconformity, expected_status: str, **values: Any) -> bool:
    """Compare-and-set: change the NC only if its status is still `expected_status`.

    Two people pressing the same button both read the old status; only one UPDATE matches,
    the other gets False and is told who was first.
    """
    return records.change(session, nc, None, col(Nonconformity.status) == expected_status, **values)


def set_card(session: Session, nc_id: int, *, channel: str, ts: str, permalink: str | None) -> None:
    session.execute(
        update(Nonconformity)
        .where(col(Nonconformity.id) == nc_id)
        .values(card_channel=channel, card_ts=ts, card_permalink=permalink)
    )


def set_recurrence(
    session: Session, nc: Nonconformity, seen: int | None, *, possible: int | None, linked: int | None, now: datetime
) -> bool:
    """Settle a possible recurrence once: link it or dismiss it (False if already settled, or
    changed since the card's buttons were drawn for version `seen`)."""
    return records.change(
        session,
        nc,
        seen,
        col(Nonconformity.possible_recurrence_of).is_not(None),
        possible_recurrence_of=possible,
        recurrence_of=linked,
        updated_at=now,
    )


def actions_of(session: Session, nc_id: int) -> list[CorrectiveAction]:
    query = select(CorrectiveAction).where(col(CorrectiveAction.nc_id) == nc_id).order_by(col(CorrectiveAction.seq))
    return list(session.exec(query))


def get_action(session: Session, action_id: int) -> CorrectiveAction | None:
    return session.get(CorrectiveAction, action_id)


def add_action(session: Session, values: dict[str, Any]) -> CorrectiveAction | None:
    """Add the next action of an NC (`values["nc_id"]`) or of a risk (`values["risk_id"]`);
    None if this submission already added one. Numbered A1, A2, … within its record."""
    parent = "nc_id" if values.get("nc_id") is not None else "risk_id"
    column = col(getattr(CorrectiveAction, parent))
    last = session.exec(select(func.max(CorrectiveAction.seq)).where(column == values[parent])).one()
    seq = (last or 0) + 1
    if not insert_ignore(session, CorrectiveAction, {**values, "seq": seq}, [parent, "submission"]):
        return None
    return session.exec(
        select(CorrectiveAction).where(
            column == values[parent], col(CorrectiveAction.submission) == values["submission"]
        )
    ).one()


def complete_action(session: Session, action: CorrectiveAction, *, by: str, at: datetime, evidence: str) -> bool:
    """Mark an open action done; False if someone else did first."""
    changed = changed_rows(
        session,
        update(CorrectiveAction)
        .where(col(CorrectiveAction.id) == action.id, col(CorrectiveAction.status) == "open")
        .values(status="done", done_by=by, done_at=at, evidence=evidence),
    )
    if changed != 1:
        return False
    session.refresh(action)
    return True


def open_actions_count(session: Session, nc_id: int) -> int:
    query = select(func.count()).where(col(CorrectiveAction.nc_id) == nc_id, col(CorrectiveAction.status) == "open")
    return int(session.exec(query).one())


def active(session: Session, *, share_lock: bool = False, limit: int | None = None) -> list[Nonconformity]:
    """Every NC not closed or cancelled (the newest `limit` of them), newest first.

    `share_lock` (PostgreSQL): a close or cancel committing meanwhile waits for this
    transaction, then cancels what it queued, so no reminder outlives its NC.
    """
    query = (
        select(Nonconformity)
        .where(col(Nonconformity.status).in_(ACTIVE))
        .order_by(col(Nonconformity.id).desc())
        .limit(limit)
    )
    if share_lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return list(session.exec(query))


def count_active(session: Session, overdue_on: date | None = None) -> int:
    """How many NCs are open (past their due date on `overdue_on`, when given), counted in the database."""
    query = select(func.count()).select_from(Nonconformity).where(col(Nonconformity.status).in_(ACTIVE))
    if overdue_on is not None:
        query = query.where(col(Nonconformity.due_date) < overdue_on)
    return int(session.exec(query).one())


def open_actions(session: Session, *, share_lock: bool = False) -> list[tuple[CorrectiveAction, Nonconformity]]:
    query = (
        select(CorrectiveAction, Nonconformity)
        .join(Nonconformity, col(Nonconformity.id) == col(CorrectiveAction.nc_id))
        .where(col(CorrectiveAction.status) == "open", col(Nonconformity.status).in_(ACTIVE))
        .order_by(col(CorrectiveAction.id))
    )
    if share_lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True, of=Nonconformity)
    return list(session.exec(query).all())


def involving(session: Session, user_id: str) -> list[Nonconformity]:
    """Active NCs the person owns or holds an open action on, newest first.

    Asked as the ids of either kind, each found by its own index (owner, status): an OR of
    the two makes PostgreSQL read every active NC to test it (bench/data_growth.py).
    """
    owned = select(Nonconformity.id).where(col(Nonconformity.owner) == user_id, col(Nonconformity.status).in_(ACTIVE))
    with_action = select(CorrectiveAction.nc_id).where(
        col(CorrectiveAction.owner) == user_id, col(CorrectiveAction.status) == "open"
    )
    query = (
        select(Nonconformity)
        .where(col(Nonconformity.status).in_(ACTIVE), col(Nonconformity.id).in_(union_all(owned, with_action)))
        .order_by(col(Nonconformity.id).desc())
    )
    return list(session.exec(query))


def worked_on_by(session: Session, user_id: str, limit: int) -> list[Nonconformity]:
    """The newest `limit` active NCs the person owns, raised or holds an action on (open or
    done), newest first: those they may attach evidence to. Each kind by its own index, as
    `involving` asks them."""
    active = col(Nonconformity.status).in_(ACTIVE)
    owned = select(Nonconformity.id).where(col(Nonconformity.owner) == user_id, active)
    raised = select(Nonconformity.id).where(col(Nonconformity.reporter) == user_id, active)
    acted = select(CorrectiveAction.nc_id).where(col(CorrectiveAction.owner) == user_id)
    query = (
        select(Nonconformity)
        .where(active, col(Nonconformity.id).in_(union_all(owned, raised, acted)))
        .order_by(col(Nonconformity.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def in_status(session: Session, statuses: tuple[str, ...], limit: int) -> list[Nonconformity]:
    """The oldest `limit` NCs in these statuses (the work waiting longest first)."""
    query = (
        select(Nonconformity)
        .where(col(Nonconformity.status).in_(statuses))
        .order_by(col(Nonconformity.id))
        .limit(limit)
    )
    return list(session.exec(query))


def overdue(session: Session, today: date, limit: int | None = None) -> list[Nonconformity]:
    query = (
        select(Nonconformity)
        .where(col(Nonconformity.status).in_(ACTIVE), col(Nonconformity.due_date) < today)
        .order_by(col(Nonconformity.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def closed_since(session: Session, process: str, since: datetime) -> list[Nonconformity]:
    query = (
        select(Nonconformity)
        .where(
            col(Nonconformity.process) == process,
            col(Nonconformity.status) == "closed",
            col(Nonconformity.closed_at) >= since,
        )
        .order_by(col(Nonconformity.closed_at).desc())
    )
    return list(session.exec(query))


def recurrences_of(session: Session, nc_id: int) -> list[Nonconformity]:
    query = select(Nonconformity).where(col(Nonconformity.recurrence_of) == nc_id).order_by(col(Nonconformity.id))
    return list(session.exec(query))


def numbers(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = select(Nonconformity.id, Nonconformity.number).where(col(Nonconformity.id).in_(ids))
    # A stored row always has its id; the model types it optional for rows not yet added.
    return {nc_id: number for nc_id, number in session.exec(query).all() if nc_id is not None}


# The queries every register has, written once (storage/records.py).
_REGISTER = Register(Nonconformity)
add = records.add
get = _REGISTER.get
by_number = _REGISTER.by_number
