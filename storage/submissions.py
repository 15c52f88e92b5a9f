"""Form submissions, each claimed once: Slack keeps a view's id when the same form is sent again.

A claim is made in the transaction that creates or changes the record, so a submission that
is refused (or fails) claims nothing, and its unique key decides between two sent at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, update

from storage.models import FormSubmission
from storage.upsert import insert_ignore


def claim(
    session: Session,
    *,
    callback: str,
    view_id: str,
    record_type: str,
    record_ref: str,
    by: str,
    at: datetime,
) -> FormSubmission | None:
    """Claim the submission; None if it is this one's, else the claim an earlier one made.

    On PostgreSQL an insert that meets an uncommitted claim waits for its transaction: when
    that one commits, the earlier claim is read here (READ COMMITTED sees it); when it rolls
    back, this one's claim goes in.
    """
    values = {
        "callback": callback,
        "view_id": view_id,
        "record_type": record_type,
        "record_ref": record_ref,
        "submitted_by": by,
        "submitted_at": at,
    }
    if insert_ignore(session, FormSubmission, values, ["callback", "view_id"]):
        return None
    earlier = find(session, callback, view_id)
    assert earlier is not None  # a claim only ever goes with its record: never deleted
    return earlier


def name_record(session: Session, callback: str, view_id: str, record_ref: str) -> None:
    """Name the record a claimed submission made, once it has its number."""
    session.execute(
        update(FormSubmission)
        .where(col(FormSubmission.callback) == callback, col(FormSubmission.view_id) == view_id)
        .values(record_ref=record_ref)
    )


def find(session: Session, callback: str, view_id: str) -> FormSubmission | None:
    return session.get(FormSubmission, (callback, view_id), populate_existing=True)
