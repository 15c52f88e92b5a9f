"""Checking the evidence store against the audit trail: `qms-bot verify-trail` runs it.

Each kept file's SHA-256 is on the trail, whose events are chained by hashes; so a stored
file is checked against the hash the trail holds for it, not against anything stored with
the file itself (which whoever changed the file could change too). Each file's bytes are
hashed again, as the evidence store holds them now (the database, or a bucket): a file
changed, or missing, is named with its record and where it is kept.
"""

from __future__ import annotations

import hashlib

from sqlmodel import Session

from bot.evidence.rules import ATTACHED
from bot.evidence.store import EvidenceStore
from storage import evidence as records


def evidence_problems(session: Session, store: EvidenceStore) -> tuple[int, list[str]]:
    """How many kept files were checked, and a line for each one changed, missing, or kept
    without its hash on the trail (a row whose hash was rewritten to match forged bytes)."""
    on_trail: set[tuple[str, str, str]] = set()
    problems: list[str] = []
    checked: dict[str, str | None] = {}  # sha256 -> a problem with its bytes, each hashed once
    for event in records.attachments_on_trail(session, ATTACHED):
        after = event.after or {}
        attached = (event.record_type, event.record_ref, str(after.get("sha256")))
        if attached in on_trail:
            continue
        on_trail.add(attached)
        sha256 = attached[2]
        if sha256 not in checked:
            checked[sha256] = _content_problem(store, sha256)
        if checked[sha256]:
            problems.append(
                f"{event.record_ref} ({event.record_type}): evidence file {after.get('file')!r} {checked[sha256]}"
            )
    extra = 0
    for file in records.every_file(session):
        if (file.record_type, file.record_ref, file.sha256) not in on_trail:
            extra += 1
            problems.append(
                f"{file.record_ref} ({file.record_type}): evidence file {file.name!r} is listed with SHA-256 "
                f"{file.sha256}, which the trail does not hold for it"
            )
    return len(on_trail) + extra, problems


def _content_problem(store: EvidenceStore, sha256: str) -> str | None:
    content = store.get(sha256)  # StoreUnavailable: the store, not the file, is the problem
    if content is None:
        return f"is missing from the evidence store: {store.locate(sha256)}"
    actual = hashlib.sha256(content).hexdigest()
    if actual != sha256:
        return f"was changed after it was kept: {store.locate(sha256)} hashes to {actual}, the trail holds {sha256}"
    return None
