"""Competence by role in the export (ISO 9001 7.2 d: retained documented information as
evidence of competence): for each role's required document, everyone asked for its current
revision, whether they hold it, since when, and when it expires. Apart from registers.py,
which would pass 400 lines."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlmodel import Session

from bot.delivery.due import add_months
from bot.export.forms import Period
from storage import competence as store
from storage import trainings as training_store

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("Role", "text", 24),
    ("Document", "text", 14),
    ("Renew every (months)", "int", 10),
    ("Current round", "text", 14),
    ("Person", "person", 20),
    ("State", "text", 10),
    ("Acknowledged", "datetime", 19),
    ("Expires", "date", 11),
)


def rows(session: Session, period: Period) -> Iterator[Sequence[Any]]:
    """As the records stand (the period does not limit it): a requirement's people are those
    its document's current round went to; a role's members are Slack's to say, not the records'."""
    required = store.requirements(session)
    rounds = store.current_rounds(session, sorted({q.doc_key for q in required}))
    today = period.today  # expiry as of today, whatever the period
    for q in required:
        current = rounds.get(q.doc_key)
        if current is None or current.id is None:
            yield (q.role_name, q.doc_ref, q.renew_months, None, None, "no round", None, None)
            continue
        for a in training_store.people(session, current.id):
            expires = (
                add_months(a.acknowledged_at.astimezone(period.zone).date(), q.renew_months)
                if a.acknowledged_at and q.renew_months
                else None
            )
            state = "due" if a.status != "acknowledged" else "done"
            if expires is not None and expires <= today:
                state = "expired"
            yield (q.role_name, q.doc_ref, q.renew_months, current.number, a.person, state, a.acknowledged_at, expires)


REGISTERS = (("Competence", "competence.csv", COLUMNS, rows),)
