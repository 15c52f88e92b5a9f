"""The steps of feedback, each in one transaction: log it, move a complaint on, note its NC."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.delivery import cards, versions
from bot.delivery.outbox import Nudge, enqueue
from bot.errors import NotAllowed, Refused
from bot.feedback import blocks
from bot.feedback.forms import Entry
from bot.feedback.nudges import ALL, CONFIRMATION, LOGGER_TOLD, OWNER_ASSIGNED, THREAD_NOTE
from bot.submissions import Submission, claim, record_made
from bot.surfaces.mrkdwn import mention
from storage import feedback as store
from storage import nonconformities as nc_store
from storage import outbox as outbox_rows
from storage.audit import record_change
from storage.models import Feedback, MessageCapture
from storage.sequences import next_number

if TYPE_CHECKING:
    from bot.context import Context

RECORD_TYPE = "feedback"
NEXT = {
    "received": ("responded", "record that the customer was answered"),
    "responded": ("resolved", "mark the complaint resolved"),
}


def log_feedback(
    ctx: Context, user: str, entry: Entry, capture_id: int | None = None, submission: Submission | None = None
) -> Feedback:
    """Number and store the entry, with the logger's confirmation queued in the same transaction."""
    now = ctx.clock.now()
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now)
        capture = nc_store.get_capture(session, capture_id) if capture_id else None
        if capture is not None and capture.captured_by != user:
            capture = None
        saved = store.add(session, _new_feedback(ctx, session, user, entry, capture, now))
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=saved.number,
            action="logged",
            after={
                "kind": saved.kind,
                "customer": saved.customer,
                "rating": saved.rating,
                "received_on": saved.received_on.isoformat(),
                "owner": saved.owner,
                "respond_by": saved.respond_by.isoformat() if saved.respond_by else None,
            },
        )
        _queue_confirmations(ctx, session, saved, user, now)
        record_made(session, submission, saved.number)
        return saved


def _new_feedback(
    ctx: Context, session: Session, user: str, entry: Entry, capture: MessageCapture | None, now: datetime
) -> Feedback:
    complaint = entry.kind == "complaint"
    return Feedback(
        number=next_number(session, "FB", now.astimezone(ctx.settings.zone).year),
        kind=entry.kind,
        customer=entry.customer,
        product=entry.product,
        received_via=entry.received_via,
        rating=entry.rating,
        text=entry.text,
        received_on=entry.received_on,
        logged_by=user,
        logged_at=now,
        origin_id=capture.id if capture else None,
        owner=(entry.owner or user) if complaint else None,
        respond_by=entry.received_on + timedelta(days=ctx.settings.complaint_respond_days) if complaint else None,
    )


def _queue_confirmations(ctx: Context, session: Session, saved: Feedback, user: str, now: datetime) -> None:
    """The logger's confirmation; for a complaint someone else owns, the owner's note too."""
    thanks = blocks.confirmation(saved, ctx.settings.channel)
    enqueue(
        session,
        Nudge(
            CONFIRMATION.key(feedback=saved.id),
            user,
            thanks.text,
            thanks.blocks,
            record_ref=saved.number,
            in_working_hours=False,
        ),
        now,
    )
    if saved.kind == "complaint" and saved.owner != user:
        note = blocks.owner_assigned(saved)
        enqueue(
            session,
            Nudge(
                OWNER_ASSIGNED.key(feedback=saved.id),
                saved.owner or user,
                note.text,
                note.blocks,
                record_ref=saved.number,
            ),
            now,
        )


def load(session: Session, feedback_id: int) -> tuple[Feedback, MessageCapture | None, str | None]:
    entry = store.get(session, feedback_id)
    if entry is None:
        raise Refused("That feedback no longer exists.")
    capture = nc_store.get_capture(session, entry.origin_id) if entry.origin_id else None
    nc = nc_store.get(session, entry.nc_id) if entry.nc_id else None
    return entry, capture, nc.number if nc else None


def _thread(session: Session, entry: Feedback, event_id: int | None, text: str, now: datetime) -> None:
    cards.tell_thread(session, THREAD_NOTE.key(feedback=entry.id, event=event_id), entry, entry.number, text, now)


def advance(ctx: Context, feedback_id: int, user: str, seen: int | None = None) -> Feedback:
    """received → responded to the customer → resolved; by the complaint's owner or a QMS manager.

    `seen` is the version the button was drawn for: pressed twice, or by two people, the
    complaint moves one step and the second press is told who was first.
    """
    now = ctx.clock.now()
    manager = ctx.roles.is_manager(user)
    zone = ctx.settings.zone
    with ctx.db.session() as session:
        entry, _, _ = load(session, feedback_id)
        if entry.kind != "complaint":
            raise Refused(f"{entry.number} is not a complaint. Nothing was changed.")
        versions.require_seen(session, entry, seen, RECORD_TYPE, entry.number, zone=zone)
        if entry.response not in NEXT:
            raise versions.already_done(session, RECORD_TYPE, entry.number, zone=zone)
        after, doing = NEXT[entry.response]
        if user != entry.owner and not manager:
            raise NotAllowed(
                f"Only the complaint's owner ({mention(entry.owner or '')}) or a QMS manager can {doing} for {entry.number}."
            )
        before = entry.response
        stamp = (
            {"responded_at": now, "responded_by": user}
            if after == "responded"
            else {"resolved_at": now, "resolved_by": user}
        )
        if not store.move(session, entry, before, seen, response=after, **stamp):
            raise versions.already_done(session, RECORD_TYPE, entry.number, zone=zone)
        if after == "responded":
            outbox_rows.cancel_pending(session, ALL.prefix(feedback=entry.id))
        event = record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=entry.number,
            action=after,
            before={"response": before},
            after={"response": after},
        )
        words = "answered the customer" if after == "responded" else "marked the complaint resolved"
        _thread(session, entry, event.id, f"{mention(user)} {words}.", now)
        _tell_logger(session, entry, user, now)
        return entry


def _tell_logger(session: Session, entry: Feedback, by: str, now: datetime) -> None:
    """Hand-off said: whoever logged the complaint hears each step, in their working hours
    (not when they took the step themselves)."""
    if entry.logged_by == by:
        return
    note = blocks.told_logger(entry, by)
    key = LOGGER_TOLD.key(feedback=entry.id, response=entry.response)
    enqueue(session, Nudge(key, entry.logged_by, note.text, note.blocks, record_ref=entry.number), now)


def note_nc_raised(ctx: Context, feedback_id: int, nc_number: str, user: str) -> None:
    """The complaint's own trail and thread say which NC it became."""
    now = ctx.clock.now()
    with ctx.db.session() as session:
        entry, _, _ = load(session, feedback_id)
        event = record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=entry.number,
            action="nc_raised",
            after={"nc": nc_number},
        )
        _thread(session, entry, event.id, f":warning: {mention(user)} raised {nc_number} from this complaint.", now)
