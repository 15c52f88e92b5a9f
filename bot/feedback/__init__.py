"""Customer feedback (ISO 9001 9.1.2) and complaints as a source of nonconformities (10.2).

Anyone logs feedback in seconds; a complaint gets a card in the QMS channel with an owner
who must answer the customer within QMS_COMPLAINT_RESPOND_DAYS, and a button that raises a
nonconformity from it (linked both ways). The figures at the bottom feed the digest.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.delivery.due import due_stage
from bot.delivery.outbox import Nudge, enqueue
from bot.errors import NotAllowed, Refused
from bot.feedback import blocks
from bot.nonconformity import RaiseForm
from bot.delivery import cards
from bot.surfaces.mrkdwn import mention, safe
from bot.workspace.people_checks import assignee_error
from storage import feedback as store
from storage import nonconformities as nc_store
from storage import outbox as outbox_rows
from storage.audit import record_change
from storage.models import Feedback, MessageCapture
from storage.sequences import next_number

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

RECORD_TYPE = "feedback"
KINDS, RECEIVED_VIA = blocks.KINDS, blocks.RECEIVED_VIA
CUSTOMER_MAX, PRODUCT_MAX, TEXT_MAX = 150, 150, 3000
NEXT = {
    "received": ("responded", "record that the customer was answered"),
    "responded": ("resolved", "mark the complaint resolved"),
}


@dataclass
class FeedbackForm:
    kind: str | None = None
    customer: str | None = None
    product: str | None = None
    received_via: str | None = None
    rating: str | None = None
    text: str | None = None
    received_on: str | None = None
    owner: str | None = None


@dataclass
class Entry:
    kind: str
    customer: str
    product: str | None
    received_via: str
    rating: int | None
    text: str
    received_on: date
    owner: str | None


def check(ctx: Context, form: FeedbackForm) -> tuple[dict[str, str], Entry | None]:
    """Errors keyed by the modal's block_id, or the entry to log."""
    errors: dict[str, str] = {}
    customer, product, text = ((v or "").strip() or None for v in (form.customer, form.product, form.text))
    if form.kind not in KINDS:
        errors["kind"] = "Choose what kind of feedback this is."
    for block, value, what, limit, required in (
        ("customer", customer, "customer", CUSTOMER_MAX, True),
        ("product", product, "product or service", PRODUCT_MAX, False),
        ("text", text, "customer's words", TEXT_MAX, True),
    ):
        if value is None and required:
            errors[block] = f"Enter the {what}."
        elif value is not None and len(value) > limit:
            errors[block] = f"Keep the {what} under {limit} characters (it has {len(value)})."
    if form.received_via not in RECEIVED_VIA:
        errors["received_via"] = "Choose how the feedback arrived."
    rating: int | None = None
    raw = (form.rating or "").strip()
    if raw:
        try:
            rating = int(raw)
        except ValueError:
            rating = 0
        if not 1 <= rating <= 5:
            errors["rating"] = "A rating is a whole number from 1 to 5."
    elif form.kind == "survey":
        errors["rating"] = "A survey response needs its rating (1 to 5)."
    try:
        received = date.fromisoformat(form.received_on) if form.received_on else ctx.today()
    except ValueError:
        errors["received_on"] = "Choose the date from the calendar."
        received = ctx.today()
    if received > ctx.today():
        errors["received_on"] = f"Feedback cannot arrive in the future; today is {ctx.today():%d %b %Y}."
    owner_problem = assignee_error(ctx, form.owner)
    if owner_problem:
        errors["owner"] = owner_problem
    if errors:
        return errors, None
    assert form.kind and form.received_via and customer and text
    return {}, Entry(form.kind, customer, product, form.received_via, rating, text, received, form.owner)


def log_feedback(ctx: Context, user: str, entry: Entry, capture_id: int | None = None) -> Feedback:
    """Number and store the entry, with the logger's confirmation queued in the same transaction."""
    now = ctx.clock.now()
    complaint = entry.kind == "complaint"
    with ctx.db.session() as session:
        capture = nc_store.get_capture(session, capture_id) if capture_id else None
        if capture is not None and capture.captured_by != user:
            capture = None
        saved = store.add(
            session,
            Feedback(
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
                respond_by=entry.received_on + timedelta(days=ctx.settings.complaint_respond_days)
                if complaint
                else None,
            ),
        )
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
        thanks = blocks.confirmation(saved, ctx.settings.channel)
        enqueue(
            session,
            Nudge(
                f"fblog:{saved.id}:logged",
                user,
                thanks.text,
                thanks.blocks,
                record_ref=saved.number,
                in_working_hours=False,
            ),
            now,
        )
        if complaint and saved.owner != user:
            note = blocks.owner_assigned(saved)
            enqueue(
                session,
                Nudge(f"fb:{saved.id}:assigned", saved.owner or user, note.text, note.blocks, record_ref=saved.number),
                now,
            )
        return saved


def load(session: Session, feedback_id: int) -> tuple[Feedback, MessageCapture | None, str | None]:
    entry = store.get(session, feedback_id)
    if entry is None:
        raise Refused("That feedback no longer exists.")
    capture = nc_store.get_capture(session, entry.origin_id) if entry.origin_id else None
    nc = nc_store.get(session, entry.nc_id) if entry.nc_id else None
    return entry, capture, nc.number if nc else None


def refresh_card(ctx: Context, feedback_id: int) -> None:
    """Show a complaint's card as the record stands (post it the first time)."""
    with ctx.db.session() as session:
        entry, capture, nc_number = load(session, feedback_id)
    if entry.kind != "complaint":
        return

    def save(channel: str, ts: str, permalink: str | None) -> None:
        with ctx.db.session() as session:
            store.set_card(session, feedback_id, channel=channel, ts=ts, permalink=permalink)

    reply = blocks.complaint_card(entry, capture, nc_number, ctx.today(), ctx.settings.zone)
    post_to = ctx.settings.channel or entry.owner or entry.logged_by
    cards.show(ctx, reply, channel=entry.card_channel, ts=entry.card_ts, post_to=post_to, save=save, what=entry.number)


def _thread(session: Session, entry: Feedback, event_id: int | None, text: str, now: datetime) -> None:
    cards.tell_thread(session, f"fblog:{entry.id}:{event_id}", entry, entry.number, text, now)


def advance(ctx: Context, feedback_id: int, user: str) -> Feedback:
    """received → responded to the customer → resolved; by the complaint's owner or a QMS manager."""
    now = ctx.clock.now()
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        entry, _, _ = load(session, feedback_id)
        if entry.kind != "complaint" or entry.response not in NEXT:
            raise Refused(f"{entry.number} is already resolved. Nothing was changed.")
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
        if not store.move(session, entry, before, response=after, **stamp):
            raise Refused(
                f"Already done: {entry.number} was moved on by someone else a moment ago. Nothing was changed."
            )
        if after == "responded":
            outbox_rows.cancel_pending(session, f"fb:{entry.id}:")
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
        return entry


def nc_form(ctx: Context, feedback_id: int) -> tuple[RaiseForm, int]:
    """The NC form filled in from a complaint: source, the customer's words, a link back."""
    with ctx.db.session() as session:
        entry, _, nc_number = load(session, feedback_id)
    if entry.kind != "complaint":
        raise Refused(f"{entry.number} is not a complaint.")
    if nc_number:
        raise Refused(f"{entry.number} was already raised as {nc_number}.")
    where = f" (card: {entry.card_permalink})" if entry.card_permalink else ""
    description = (
        f"{entry.text}\n\nCustomer complaint {entry.number}{where}: {entry.customer}"
        + (f", {entry.product}" if entry.product else "")
        + f", received {entry.received_on:%d %b %Y} by {RECEIVED_VIA[entry.received_via].lower()}."
    )
    title = f"Customer complaint: {entry.customer}"
    form = RaiseForm(title=title[:150], description=description[:3000], source="customer_complaint")
    return form, feedback_id


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


def list_reply(ctx: Context) -> Any:
    with ctx.db.session() as session:
        complaints = store.open_complaints(session)
        recent = store.recent(session, 10)
    return blocks.feedback_list(complaints, recent, ctx.today())


def record_reply(ctx: Context, number: str) -> Any:
    with ctx.db.session() as session:
        entry = store.by_number(session, number)
        if entry is None:
            return blocks.Reply(f"There is no {safe(number.upper(), 40)}. `/feedback list` shows the latest.")
        entry, capture, nc_number = load(session, entry.id)  # type: ignore[arg-type]
    return blocks.record(entry, capture, nc_number, ctx.today(), ctx.settings.zone)


# --- nudges ------------------------------------------------------------------------------------


def complaint_nudges(session: Session, now: datetime, settings: Any) -> list[Nudge]:
    """Remind a complaint's owner until the customer has been answered."""
    local_today = now.astimezone(settings.zone).date()
    nudges = []
    for entry in store.open_complaints(session, share_lock=True):
        if entry.response != "received" or entry.respond_by is None or entry.owner is None:
            continue
        stage = due_stage(entry.respond_by, local_today, settings)
        if stage:
            note = blocks.respond_reminder(entry, stage)
            nudges.append(
                Nudge(
                    f"fb:{entry.id}:{entry.respond_by:%Y%m%d}:{stage}",
                    entry.owner,
                    note.text,
                    note.blocks,
                    record_ref=entry.number,
                    snoozable=True,
                )
            )
    return nudges


# --- figures for the digest (periods are half-open: start ≤ day < end) ----------------------------


@dataclass(frozen=True)
class Figures:
    ratings: int
    average_rating: float | None
    complaints: int
    complaints_with_nc: int
    share_to_nc: float | None
    median_days_to_respond: float | None


def figures(session: Session, start: date, end: date, zone: tzinfo) -> Figures:
    """Customer-perception figures for feedback received in the period."""
    entries = store.received_between(session, start, end)
    rated = [e.rating for e in entries if e.rating is not None]
    complaints = [e for e in entries if e.kind == "complaint"]
    linked = sum(1 for e in complaints if e.nc_id)
    waits = [(e.responded_at.astimezone(zone).date() - e.received_on).days for e in complaints if e.responded_at]
    return Figures(
        ratings=len(rated),
        average_rating=round(sum(rated) / len(rated), 2) if rated else None,
        complaints=len(complaints),
        complaints_with_nc=linked,
        share_to_nc=round(linked / len(complaints), 3) if complaints else None,
        median_days_to_respond=float(statistics.median(waits)) if waits else None,
    )


def stats_reply(ctx: Context, days: int) -> Any:
    end = ctx.today() + timedelta(days=1)
    start = end - timedelta(days=days)
    with ctx.db.session() as session:
        found = figures(session, start, end, ctx.settings.zone)
    return blocks.figures(found, start, end - timedelta(days=1))
