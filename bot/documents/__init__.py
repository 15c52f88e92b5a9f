"""The document register (ISO 9001 7.5): documents reviewed on a cycle by their owners.

A QMS manager registers a document with its owner and review interval. When the review
falls due, the owner is nudged with two buttons: "Reviewed, no change" records the review
and sets the next date; "Revised" records the new revision and can start a training round
for it (the training feature's path), so the people who use the document read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot import training
from bot.delivery.due import add_months, due_stage, manager_recipients, parse_day
from bot.delivery.outbox import Nudge
from bot.documents import blocks
from bot.errors import NotAllowed, Refused
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import mention, safe
from bot.workspace.people_checks import assignee_error
from bot.workspace.roles import Role
from storage import documents as store
from storage import outbox as outbox_rows
from storage.audit import record_change
from storage.models import ControlledDocument, DocumentReview

if TYPE_CHECKING:
    from bot.context import Context

RECORD_TYPE = "document"
REFERENCE = re.compile(r"^[\w][\w./ -]*$")
MONTHS = {int(v) for _, v in blocks.INTERVALS}


@dataclass
class Registration:
    reference: str
    title: str
    owner: str
    revision: str
    link: str | None
    review_months: int
    last_reviewed: date


def check_add(ctx: Context, values: dict[str, Any]) -> tuple[dict[str, str], Registration | None]:
    errors: dict[str, str] = {}
    text = {name: (values.get(name) or "").strip() for name in ("reference", "title", "revision", "link")}
    for name, what, limit, required in (
        ("reference", "reference", 40, True),
        ("title", "title", 150, True),
        ("revision", "revision", 20, True),
        ("link", "link", 1000, False),
    ):
        if required and not text[name]:
            errors[name] = f"Enter the {what}."
        elif len(text[name]) > limit:
            errors[name] = f"Keep the {what} under {limit} characters."
    if text["reference"] and "reference" not in errors and not REFERENCE.match(text["reference"]):
        errors["reference"] = "Use the reference as it is printed on the document, such as SOP-012."
    if text["revision"] and "revision" not in errors and not training.REVISION.match(text["revision"]):
        errors["revision"] = "Use the revision as it is printed, such as C or 2.1."
    if text["link"] and "link" not in errors and not training.LINK.match(text["link"]):
        errors["link"] = "Give a web address starting with https:// (or leave it empty)."
    owner = values.get("owner")
    problem = assignee_error(ctx, owner) if owner else "Choose who owns the document."
    if problem:
        errors["owner"] = problem
    try:
        months = int(values.get("review_months") or "")
    except ValueError:
        months = 0
    if months not in MONTHS:
        errors["review_months"] = "Choose how often the document is reviewed."
    last = parse_day(values.get("last_reviewed"))
    if last is None:
        errors["last_reviewed"] = "Choose the date of the last review (or of issue) from the calendar."
    elif last > ctx.today():
        errors["last_reviewed"] = f"The last review cannot be in the future; today is {ctx.today():%d %b %Y}."
    if not errors:
        with ctx.db.session() as session:
            if store.by_key(session, training.reference_key(text["reference"])):
                errors["reference"] = (
                    f"{text['reference']} is already in the register; `/doc {text['reference']}` shows it."
                )
    if errors:
        return errors, None
    assert owner and last
    return {}, Registration(
        text["reference"], text["title"], owner, text["revision"], text["link"] or None, months, last
    )


def add(ctx: Context, user: str, r: Registration) -> ControlledDocument:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="add documents to the register")
    now = ctx.clock.now()
    with ctx.db.session() as session:
        doc = store.add(
            session,
            {
                "reference": r.reference,
                "reference_key": training.reference_key(r.reference),
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
        return doc


# --- reviews ---------------------------------------------------------------------------------------


def _seen(value: str) -> tuple[int, date]:
    """A button's value or form's metadata: `document id@due date seen` (ValueError when broken)."""
    raw_id, _, raw_date = value.partition("@")
    document_id = int(raw_id)
    if not 1 <= document_id <= 2**31 - 1:
        raise ValueError("no document has this id")
    return document_id, date.fromisoformat(raw_date)


def _may_review(ctx: Context, doc: ControlledDocument, user: str) -> None:
    if user != doc.owner and not ctx.roles.is_manager(user):
        raise NotAllowed(
            f"Only the owner of {safe(doc.reference, 40)} ({mention(doc.owner)}) or a QMS manager can record its review."
        )


def open_for_review(ctx: Context, value: str, user: str) -> ControlledDocument:
    """The document behind a review button, once the person may review it and it is still due as shown."""
    doc_id, seen = _seen(value)
    with ctx.db.session() as session:
        doc = store.get(session, doc_id)
    if doc is None:
        raise Refused("That document is no longer in the register.")
    _may_review(ctx, doc, user)
    if doc.next_review != seen:
        raise Refused(
            f"Already done: {safe(doc.reference, 40)} was reviewed since; its next review is {doc.next_review:%d %b %Y}. Nothing was changed."
        )
    return doc


def _record(
    ctx: Context,
    value: str,
    user: str,
    outcome: str,
    revision: str | None = None,
    note: str | None = None,
    link: str | None = None,
) -> tuple[ControlledDocument, DocumentReview]:
    doc = open_for_review(ctx, value, user)
    _, seen = _seen(value)
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
        doc = store.get(session, doc.id or 0) or doc
        # Once per due date: a double click, or owner and manager at once, records one review.
        if not store.review(session, doc, seen, entry, **changes):
            raise Refused(f"Already done: {safe(doc.reference, 40)} was reviewed a moment ago. Nothing was changed.")
        outbox_rows.cancel_pending(session, f"doc:{doc.id}:")
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=doc.reference,
            action="reviewed" if outcome == "no_change" else "revised",
            before={"revision": entry.revision_before, "next_review": seen.isoformat()},
            after={"revision": doc.revision, "next_review": doc.next_review.isoformat(), "outcome": outcome},
            note=note,
        )
    return doc, entry


def reviewed_no_change(ctx: Context, value: str, user: str) -> Reply:
    doc, entry = _record(ctx, value, user, "no_change")
    return blocks.reviewed(doc, entry)


@dataclass
class Revision:
    revision: str
    summary: str
    link: str | None
    publication: training.Publication | None


def check_revision(
    ctx: Context, user: str, doc: ControlledDocument, values: dict[str, Any]
) -> tuple[dict[str, str], Revision | None]:
    """The revise form: the new revision, and when asked, the training round checked like `/training new`."""
    form = training.PublishForm(
        title=doc.title,
        doc_ref=doc.reference,
        revision=values.get("revision"),
        link=values.get("link") or doc.link,
        summary=values.get("summary"),
        users=values.get("users") or [],
        groups=values.get("groups") or [],
        channels=values.get("channels") or [],
        due_date=values.get("due_date"),
    )
    errors, publication = training.check_publish(ctx, doc.owner, form)
    revision = (values.get("revision") or "").strip()
    if revision and training.reference_key(revision) == training.reference_key(doc.revision):
        errors["revision"] = f"{doc.reference} is already at rev {doc.revision}; enter the new revision."
    wants_training = blocks.START_TRAINING in (values.get("training") or [])
    if not wants_training:
        # Without a round, the audience and date are not needed.
        errors = {k: v for k, v in errors.items() if k not in ("users", "groups", "channels", "due_date")}
    errors = {("revision" if k in ("title", "doc_ref") else k): v for k, v in errors.items()}
    if errors:
        return errors, None
    link = (values.get("link") or "").strip() or None
    return {}, Revision(revision, (values.get("summary") or "").strip(), link, publication if wants_training else None)


def revised(ctx: Context, value: str, user: str, r: Revision) -> ControlledDocument:
    doc, _ = _record(ctx, value, user, "revised", r.revision, r.summary, r.link)
    return doc


def note_training(ctx: Context, doc: ControlledDocument, number: str) -> None:
    """Keep the training round's number on the review that started it."""
    with ctx.db.session() as session:
        reviews = store.reviews_of(session, doc.id or 0)
        if reviews:
            reviews[-1].training_number = number
            session.add(reviews[-1])


# --- reading and nudging ------------------------------------------------------------------------------


def find(ctx: Context, reference: str) -> ControlledDocument | None:
    with ctx.db.session() as session:
        return store.by_key(session, training.reference_key(reference))


def list_reply(ctx: Context) -> Reply:
    with ctx.db.session() as session:
        docs = store.all_by_due(session)
    return blocks.register(docs, ctx.today(), ctx.settings.doc_review_notice_days)


def document_reply(ctx: Context, reference: str, user: str) -> Reply:
    with ctx.db.session() as session:
        doc = store.by_key(session, training.reference_key(reference))
        if doc is None:
            return Reply(f"{safe(reference, 40)} is not in the register. `/doc list` shows the register.")
        reviews = store.reviews_of(session, doc.id or 0)
    may = user == doc.owner or ctx.roles.is_manager(user)
    return blocks.document(doc, reviews, ctx.today(), ctx.settings.doc_review_notice_days, may_review=may)


def document_nudges(session: Session, now: datetime, settings: Any) -> list[Nudge]:
    """The owner when a review falls due (with the two buttons), then at the overdue cadence;
    the QMS managers once it is QMS_ESCALATE_AFTER_DAYS overdue."""
    local_today = now.astimezone(settings.zone).date()
    nudges: list[Nudge] = []
    for doc in store.all_by_due(session, share_lock=True):
        if (doc.next_review - local_today).days > settings.doc_review_notice_days:
            break  # ordered by due date: the rest are later still
        stage = due_stage(doc.next_review, local_today, settings, before=[settings.doc_review_notice_days])
        if stage is None:
            continue
        key = f"doc:{doc.id}:{doc.next_review:%Y%m%d}"
        reply = blocks.review_due(doc, stage, local_today)
        nudges.append(
            Nudge(f"{key}:{stage}", doc.owner, reply.text, reply.blocks, record_ref=doc.reference[:40], snoozable=True)
        )
        if (local_today - doc.next_review).days >= settings.escalate_after_days:
            told = blocks.escalation(doc, local_today)
            for manager in manager_recipients(settings):
                nudges.append(
                    Nudge(f"{key}:escalate:{manager}", manager, told.text, told.blocks, record_ref=doc.reference[:40])
                )
    return nudges
