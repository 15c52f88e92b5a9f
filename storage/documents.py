"""Queries for the document register and its reviews."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from storage import records
from storage.models import ControlledDocument, DocumentReview
from storage.records import Register
from storage.upsert import insert_ignore


def add(session: Session, values: dict[str, Any]) -> ControlledDocument | None:
    """Register a document once per reference (None when the reference is taken)."""
    if not insert_ignore(session, ControlledDocument, values, ["reference_key"]):
        return None
    return by_key(session, values["reference_key"])


def by_key(session: Session, key: str) -> ControlledDocument | None:
    return session.exec(select(ControlledDocument).where(col(ControlledDocument.reference_key) == key)).first()


def review(session: Session, document: ControlledDocument, seen: int, entry: DocumentReview, **values: Any) -> bool:
    """Record a review if the document is still at the version the person saw (once per button)."""
    if not records.change(session, document, seen, **values):
        return False
    session.add(entry)
    session.flush()
    return True


def set_revision(session: Session, document: ControlledDocument, revision: str, link: str | None) -> None:
    records.change(session, document, None, revision=revision, link=link)


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
