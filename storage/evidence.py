"""Queries of the evidence store: file bytes by SHA-256, and the files attached to records.

Nothing here updates or deletes: evidence, once kept, stays as it was kept (7.5.3).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import AuditEvent, EvidenceContent, EvidenceFile
from storage.upsert import insert_ignore


def keep_content(session: Session, sha256: str, content: bytes, at: datetime) -> bool:
    """Store the bytes under their hash unless they are there already; whether they were new.

    A second copy of the same bytes is not written, and bytes already stored are never
    overwritten: the hash names them. Asked first, so 10 MB are not sent to the database for
    nothing; the insert still ignores a conflict, for two instances keeping one file at once."""
    if has_content(session, sha256):
        return False
    values = {"sha256": sha256, "size": len(content), "content": content, "stored_at": at}
    return insert_ignore(session, EvidenceContent, values, ["sha256"])


def has_content(session: Session, sha256: str) -> bool:
    query = select(EvidenceContent.sha256).where(col(EvidenceContent.sha256) == sha256)
    return session.exec(query).first() is not None


def attached(session: Session, record_type: str, record_ref: str, sha256: str) -> EvidenceFile | None:
    query = select(EvidenceFile).where(
        col(EvidenceFile.record_type) == record_type,
        col(EvidenceFile.record_ref) == record_ref,
        col(EvidenceFile.sha256) == sha256,
    )
    return session.exec(query).first()


def attach(session: Session, evidence: EvidenceFile) -> EvidenceFile:
    session.add(evidence)
    session.flush()
    return evidence


def files_of(session: Session, record_type: str, record_ref: str) -> list[EvidenceFile]:
    query = (
        select(EvidenceFile)
        .where(col(EvidenceFile.record_type) == record_type, col(EvidenceFile.record_ref) == record_ref)
        .order_by(col(EvidenceFile.id))
    )
    return list(session.exec(query))


def every_file(session: Session, batch: int = 500) -> Iterator[EvidenceFile]:
    """Every attached file, oldest first, a batch at a time (no bytes loaded)."""
    query = select(EvidenceFile).order_by(col(EvidenceFile.id)).execution_options(yield_per=batch)
    for file in session.exec(query):
        yield file
        session.expunge(file)  # keep the identity map from growing with the store


def content(session: Session, sha256: str) -> bytes | None:
    found = session.exec(select(EvidenceContent.content).where(col(EvidenceContent.sha256) == sha256)).first()
    return None if found is None else bytes(found)


def attachments_on_trail(session: Session, action: str, batch: int = 500) -> Iterator[AuditEvent]:
    """The trail's events of kept files, oldest first (the hash each file was kept with)."""
    query = (
        select(AuditEvent)
        .where(col(AuditEvent.action) == action)
        .order_by(col(AuditEvent.id))
        .execution_options(yield_per=batch)
    )
    for event in session.exec(query):
        yield event
        session.expunge(event)
