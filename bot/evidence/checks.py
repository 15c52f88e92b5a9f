"""Checking the evidence store against the audit trail: `qms-bot verify-trail` runs it.

Each kept file's SHA-256 is on the trail, whose events are chained by hashes; so a stored
file is checked against the hash the trail holds for it, not against anything stored with
the file itself (which whoever changed the file could change too). Each file's bytes are
hashed again: a file changed, or missing, is named with its record.
"""

from __future__ import annotations

import hashlib

from sqlmodel import Session

from bot.evidence.rules import ATTACHED
from storage import evidence as store


def evidence_problems(session: Session) -> tuple[int, list[str]]:
    """How many kept files were checked, and a line for each one changed or missing."""
    seen: set[tuple[str, str]] = set()
    problems: list[str] = []
    checked: dict[str, str | None] = {}  # sha256 -> a problem with its bytes, each hashed once
    wanted = [
        (e.record_type, e.record_ref, str((e.after or {}).get("file")), str((e.after or {}).get("sha256")))
        for e in store.attachments_on_trail(session, ATTACHED)
    ]
    wanted += [(f.record_type, f.record_ref, f.name, f.sha256) for f in store.every_file(session)]
    for record_type, record_ref, name, sha256 in wanted:
        if (record_ref, sha256) in seen:
            continue
        seen.add((record_ref, sha256))
        if sha256 not in checked:
            checked[sha256] = _content_problem(session, sha256)
        if checked[sha256]:
            problems.append(f"{record_ref} ({record_type}): evidence file {name!r} {checked[sha256]}")
    return len(seen), problems


def _content_problem(session: Session, sha256: str) -> str | None:
    content = store.content(session, sha256)
    if content is None:
        return f"is missing from the evidence store (SHA-256 {sha256})"
    actual = hashlib.sha256(content).hexdigest()
    if actual != sha256:
        return f"was changed after it was kept: SHA-256 {actual}, the trail holds {sha256}"
    return None
