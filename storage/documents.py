"""Queries for the document register and its reviews."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import ControlledDocument, DocumentReview
from storage.records import Register
from storage.upsert import changed_rows, insert_ignore


def add(session: Session, values: dict[str, Any]) -> ControlledDocument | None:
    """Register a document once per reference (None when the reference is taken)."""
    if not insert_ignore(session, ControlledDocument, values, ["reference_key"]):
        return None
    return by_key(session, values["reference_key"])


def by_key(session: Session, key: str) -> ControlledDocument | None:
    return session.exec(select(ControlledDocument).where(col(ControlledDocument.reference_key) == key)).first()


def review(
    session: Session, document: ControlledDocument, seen_next_review: date, entry: DocumentReview, **values: Any
) -> bool:
    """Record a review if the document is still due on the date the person saw (once per due date)."""
    changed = changed_rows(
        session,
        update(ControlledDocument)
        .where(col(ControlledDocument.id) == document.id, col(ControlledDocument.next_review) == seen_next_review)
        .values(**values),
    )
    if changed != 1:
        return False
    session.add(entry)
    session.flush()
    session.refresh(document)
    return True


def set_revision(session: Session, document_id: int, revision: str, link: str | None) -> None:
    session.execute(
        update(ControlledDocument).where(col(ControlledDocument.id) == document_id).values(revision=revision, link=link)
    )


def all_by_due(session: Session, *, share_lock: bool = False) -> list[ControlledDocument]:
    query = select(ControlledDocument).order_by(
        col(ControlledDocument.next_review), col(ControlledDocument.reference_key)
    )
    if share_lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    return list(session.exec(query))


def owned_by(session: Session, user: str) -> list[ControlledDocument]:
    query = (
        select(ControlledDocument)
        .where(col(ControlledDocument.owner) == user)
        .order_by(col(ControlledDocument.next_review))
    )
    return list(session.exec(query))


def reviews_of(session: Session, document_id: int) -> list[DocumentReview]:
    query = (
        select(DocumentReview).where(col(DocumentReview.document_id) == document_id).order_by(col(DocumentReview.id))
    )
    return list(session.exec(query))


# The queries every register has, written once (storage/records.py).
_REGISTER = Register(ControlledDocument)
get = _REGISTER.get
