"""The register's steps, each in one transaction: add a document, record its review."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from bot.delivery import versions
from bot.delivery.due import add_months
from bot.documents import blocks
from bot.documents.forms import Registration, Revision, parse_seen
from bot.documents.nudges import ALL_REMINDERS
from bot.errors import NotAllowed, Refused
from bot.submissions import Submission, claim, record_made
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import mention, safe
from bot.training import reference_key
from bot.workspace.roles import Role
from storage import documents as store
from storage import outbox as outbox_rows
from storage.audit import record_change
from storage.models import ControlledDocument, DocumentReview

if TYPE_CHECKING:
    from bot.context import Context

RECORD_TYPE = "document"


def add(ctx: Context, user: str, r: Registration, submission: Submission | None = None) -> ControlledDocument:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="add documents to the register")
    now = ctx.clock.now()
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now)
        doc = store.add(
            session,
            {
                "reference": r.reference,
                "reference_key": reference_key(r.reference),
                "title": r.title,
                "owner": r.owner,
                "link": r.link,
                "revision": r.revision,
                "review_months": r.review_months,
                "last_reviewed": r.last_reviewed,
                "next_review": add_months(r.last_reviewed, r.review_months),
                "added_by": user,
                "added_at": now,
            },
        )
        if doc is None:
            raise Refused(f"{r.reference} was added to the register a moment ago. Nothing was changed.")
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=doc.reference,
            action="registered",
            after={
                "title": doc.title,
                "owner": doc.owner,
                "revision": doc.revision,
                "review_months": doc.review_months,
                "last_reviewed": doc.last_reviewed.isoformat(),
                "next_review": doc.next_review.isoformat(),
            },
        )
        record_made(session, submission, doc.reference)
        return doc


# --- reviews ---------------------------------------------------------------------------------------


def _may_review(ctx: Context, doc: ControlledDocument, user: str) -> None:
    if user != doc.owner and not ctx.roles.is_manager(user):
        raise NotAllowed(
            f"Only the owner of {safe(doc.reference, 40)} ({mention(doc.owner)}) or a QMS manager can record its review."
        )


def _open(ctx: Context, value: str, user: str) -> tuple[ControlledDocument, int]:
    """The document behind a review button and the version it was drawn for, once the person
    may review it and it is still as shown (else who reviewed it since is told)."""
    doc_id, seen = parse_seen(value)
    with ctx.db.session() as session:
        doc = store.get(session, doc_id)
    if doc is None:
        raise Refused("That document is no longer in the register.")
    _may_review(ctx, doc, user)
    if isinstance(seen, date):  # a nudge posted before documents had a version: its due date
        seen = doc.version if seen == doc.next_review else 0
    with ctx.db.session() as session:
        versions.require_seen(session, doc, seen, RECORD_TYPE, doc.reference, zone=ctx.settings.zone)
    return doc, seen


def open_for_review(ctx: Context, value: str, user: str) -> ControlledDocument:
    """The document behind a review button, once the person may review it and it is still as shown."""
    return _open(ctx, value, user)[0]


def _record(
    ctx: Context,
    value: str,
    user: str,
    outcome: str,
    revision: str | None = None,
    note: str | None = None,
    link: str | None = None,
    submission: Submission | None = None,
) -> tuple[ControlledDocument, DocumentReview]:
    doc, seen = _open(ctx, value, user)
    now, day = ctx.clock.now(), ctx.today()
    entry = DocumentReview(
        document_id=doc.id or 0,
        reviewed_on=day,
        reviewed_by=user,
        outcome=outcome,
        revision_before=doc.revision,
        revision_after=revision or doc.revision,
        note=note,
        recorded_at=now,
    )
    changes: dict[str, Any] = {"last_reviewed": day, "next_review": add_months(day, doc.review_months)}
    if revision:
        changes.update(revision=revision, link=link)
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now, doc.reference)
        doc = store.get(session, doc.id or 0) or doc
        due_before = doc.next_review
        # Once per version shown: a double click, or owner and manager at once, records one review.
        if not store.review(session, doc, seen, entry, **changes):
            raise versions.already_done(session, RECORD_TYPE, doc.reference, zone=ctx.settings.zone)
        outbox_rows.cancel_pending(session, ALL_REMINDERS.prefix(document=doc.id))
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=doc.reference,
            action="reviewed" if outcome == "no_change" else "revised",
            before={"revision": entry.revision_before, "next_review": due_before.isoformat()},
            after={"revision": doc.revision, "next_review": doc.next_review.isoformat(), "outcome": outcome},
            note=note,
        )
    return doc, entry


def reviewed_no_change(ctx: Context, value: str, user: str) -> Reply:
    doc, entry = _record(ctx, value, user, "no_change")
    return blocks.reviewed(doc, entry)


def revised(
    ctx: Context, value: str, user: str, r: Revision, submission: Submission | None = None
) -> ControlledDocument:
    doc, _ = _record(ctx, value, user, "revised", r.revision, r.summary, r.link, submission)
    return doc


def note_training(ctx: Context, doc: ControlledDocument, number: str) -> None:
    """Keep the training round's number on the review that started it."""
    with ctx.db.session() as session:
        reviews = store.reviews_of(session, doc.id or 0)
        if reviews:
            reviews[-1].training_number = number
            session.add(reviews[-1])
