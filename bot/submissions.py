"""One record per form submission: a form sent twice makes or changes its record once.

Slack keeps a view's id when the same form is submitted again (a slow answer shows people an
error, so they press Submit once more). Every rule a form calls claims its submission with
`claim` in the transaction that creates or changes the record: a refused submission claims
nothing and can be corrected and sent again, and of two sent at once the unique key keeps
one. The listener wrapper (`handlers.listeners`) answers a repeat as the first was answered,
without calling the form's listener again (`sent_before`), and the same when a repeat raced
the first one into its transaction (`Resubmitted`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.errors import Refused
from storage import submissions as store
from storage.db import Database


@dataclass(frozen=True)
class Submission:
    """One form as Slack sent it: which form (its callback), which view, and who sent it."""

    callback: str
    view_id: str
    person: str


@dataclass(frozen=True)
class Earlier:
    """What the first submission of a form made or changed."""

    record_type: str
    record_ref: str


class Resubmitted(Exception):
    """The same form was sent before: nothing is done again; answer it as the first was."""

    def __init__(self, earlier: Earlier) -> None:
        super().__init__(f"{earlier.record_type} {earlier.record_ref}")
        self.earlier = earlier


def claim(
    session: Session, submission: Submission | None, record_type: str, at: datetime, record_ref: str = ""
) -> None:
    """Claim `submission` for the record this transaction creates or changes.

    Raises Resubmitted (so the transaction rolls back) when the same form was sent before.
    A form that creates a record names it with `record_made` once it has its number. Nothing
    happens without a submission: the rule was called from elsewhere (a button, a test).
    """
    if submission is None:
        return
    earlier = store.claim(
        session,
        callback=submission.callback,
        view_id=submission.view_id,
        record_type=record_type,
        record_ref=record_ref,
        by=submission.person,
        at=at,
    )
    if earlier is None:
        return
    if earlier.submitted_by != submission.person:  # view ids are per person: a forged request
        raise Refused("This form was already sent by someone else. Nothing was changed.")
    raise Resubmitted(Earlier(earlier.record_type, earlier.record_ref))


def record_made(session: Session, submission: Submission | None, record_ref: str) -> None:
    """Name the record a claimed submission created (its number is known only now)."""
    if submission is not None:
        store.name_record(session, submission.callback, submission.view_id, record_ref)


def sent_before(db: Database, submission: Submission) -> Earlier | None:
    """The earlier submission of the same form by the same person, if it made its record."""
    with db.read() as session:  # on every form submission: a short read, no write lock
        earlier = store.find(session, submission.callback, submission.view_id)
        if earlier is None or earlier.submitted_by != submission.person:
            return None
        return Earlier(earlier.record_type, earlier.record_ref)
