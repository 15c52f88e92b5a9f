"""Raising an NC: numbering and storing it, spotting a possible recurrence, and announcing
it to its owner and the person who raised it.

Apart from the steps (rules.py) because together they would pass 400 lines, and raising
is the one verb every other process calls (a complaint, an audit finding, a message).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot import suppliers
from bot.delivery.outbox import Nudge, enqueue
from bot.errors import AlreadyDone, Refused
from bot.nonconformity import asks
from bot.nonconformity import blocks as nc_blocks
from bot.nonconformity.forms import Draft
from bot.nonconformity.nudges import OWNER_ASSIGNED, RAISED_CONFIRMATION
from bot.nonconformity.record import RECORD_TYPE, refresh_card
from bot.submissions import Submission, claim, record_made
from storage import feedback as feedback_store
from storage import nonconformities as store
from storage import outbox as outbox_rows
from storage import risks as risk_store
from storage.audit import record_change
from storage.models import Feedback, MessageCapture, Nonconformity
from storage.sequences import next_number

if TYPE_CHECKING:
    from bot.context import Context

ANNOUNCE_GRACE = timedelta(seconds=60)
SIMILAR_TITLE = 0.6


def default_owner(ctx: Context, process: str, reporter: str) -> str:
    """The process owner, else a QMS manager, else the person who raised it."""
    owner = ctx.settings.process_owner(process)
    if owner:
        return owner
    if ctx.settings.manager_ids:
        return ctx.settings.manager_ids[0]
    if ctx.settings.managers:
        members = sorted(ctx.directory.group_members(ctx.settings.managers[0]))
        if members:
            return members[0]
    return reporter


Link = Callable[[Session, Nonconformity], Any]


def raise_nc(
    ctx: Context,
    reporter: str,
    draft: Draft,
    capture_id: int | None = None,
    complaint_id: int | None = None,
    link: Link | None = None,
    submission: Submission | None = None,
) -> Nonconformity:
    """Number and store a new NC; `complaint_id` links it to the customer complaint it came from,
    `link` ties it to another record (an audit's checklist line) in the same transaction."""
    owner = draft.owner or default_owner(ctx, draft.process, reporter)  # may ask Slack: outside the transaction
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, ctx.clock.now())
        nc = add_nc(
            session,
            ctx,
            reporter,
            replace(draft, owner=owner),
            capture_id=capture_id,
            complaint_id=complaint_id,
            link=link,
        )
        record_made(session, submission, nc.number)
        return nc


def add_nc(
    session: Session,
    ctx: Context,
    reporter: str,
    draft: Draft,
    *,
    capture_id: int | None = None,
    complaint_id: int | None = None,
    link: Link | None = None,
    origin: str | None = None,
) -> Nonconformity:
    """Store an NC inside the caller's transaction (`draft.owner` already chosen), with its
    trail and its announcements; `origin` names the record it came from on the trail."""
    assert draft.owner is not None
    now = ctx.clock.now()
    capture = store.get_capture(session, capture_id) if capture_id else None
    if capture is not None and capture.captured_by != reporter:
        capture = None  # someone else's capture: never attach it
    similar = possible_recurrence(session, ctx, draft, now)
    nc = store.add(session, _new_nc(session, ctx, reporter, draft, now, capture, similar))
    complaint = _link_complaint(session, complaint_id, nc) if complaint_id is not None else None
    linked_to = link(session, nc) if link else None
    after = _raised(nc, capture, similar, complaint, linked_to or origin)
    if nc.risk_id:  # the risk in the register this NC realised
        after["realises"] = risk_store.numbers(session, [nc.risk_id]).get(nc.risk_id)
    record_change(
        session, at=now, actor=reporter, record_type=RECORD_TYPE, record_ref=nc.number, action="raised", after=after
    )
    # Queued with the record, held back a little: announce_raised() adds the card's link
    # and releases them at once. Should the bot die in between, they still go out.
    held = now + ANNOUNCE_GRACE
    for nudge in _announcements(nc, ctx.settings.channel):
        enqueue(session, replace(nudge, not_before=held), now)
    if nc.supplier_id is not None:  # against a blocked or conditional supplier: the QMS managers are told
        for alert in suppliers.raised_against(
            session, nc.supplier_id, nc.id or 0, nc.number, nc.title, reporter, ctx.settings
        ):
            enqueue(session, alert, now)
    return nc


def _new_nc(
    session: Session,
    ctx: Context,
    reporter: str,
    draft: Draft,
    now: datetime,
    capture: MessageCapture | None,
    similar: Nonconformity | None,
) -> Nonconformity:
    """The record, numbered in the year it was raised (the org's year), due by severity unless a date was chosen."""
    assert draft.owner is not None
    due = draft.due_date or ctx.today() + timedelta(days=ctx.settings.due_days[draft.severity])
    return Nonconformity(
        number=next_number(session, "NC", now.astimezone(ctx.settings.zone).year),
        title=draft.title,
        description=draft.description,
        severity=draft.severity,
        source=draft.source,
        process=draft.process,
        supplier=draft.supplier,
        supplier_id=draft.supplier_id,
        iso_clause=draft.iso_clause,
        initial_containment=draft.containment,
        owner=draft.owner,
        reporter=reporter,
        due_date=due,
        raised_at=now,
        updated_at=now,
        origin_id=capture.id if capture else None,
        possible_recurrence_of=similar.id if similar else None,
        risk_id=draft.risk_id,
    )


def _link_complaint(session: Session, complaint_id: int, nc: Nonconformity) -> Feedback:
    complaint = feedback_store.get(session, complaint_id)
    if complaint is None or complaint.kind != "complaint":
        raise Refused("That complaint no longer exists; raise the NC from `/nc` instead.")
    # Once per complaint: two people raising it at the same moment make one NC.
    if not feedback_store.link_nc(session, complaint, nc.id):  # type: ignore[arg-type]  # set: store.add flushed it
        raise AlreadyDone(f"Already done: {complaint.number} was raised as an NC a moment ago. Nothing was changed.")
    return complaint


def _raised(
    nc: Nonconformity,
    capture: MessageCapture | None,
    similar: Nonconformity | None,
    complaint: Feedback | None,
    came_from: str | None,
) -> dict[str, Any]:
    """What the trail's "raised" entry records."""
    return {
        "title": nc.title,
        "severity": nc.severity,
        "source": nc.source,
        "process": nc.process,
        "supplier": nc.supplier,
        "iso_clause": nc.iso_clause,
        "owner": nc.owner,
        "due_date": nc.due_date.isoformat(),
        "from_message": capture.permalink if capture else None,
        "possible_recurrence_of": similar.number if similar else None,
        "complaint": complaint.number if complaint else None,
        **({"from": came_from} if came_from else {}),
        **({"supplier_id": nc.supplier_id} if nc.supplier_id else {}),
    }


def _announcements(nc: Nonconformity, qms_channel: str | None, *, card_failed: bool = False) -> list[Nudge]:
    confirmation = nc_blocks.raised_confirmation(nc, qms_channel if card_failed else None)
    nudges = [
        Nudge(
            RAISED_CONFIRMATION.key(nc=nc.id),
            nc.reporter,
            confirmation.text,
            confirmation.blocks,
            record_ref=nc.number,
            in_working_hours=False,
        )
    ]
    if nc.owner != nc.reporter:
        assigned = asks.owner_assigned(nc)
        nudges.append(
            Nudge(
                OWNER_ASSIGNED.key(nc=nc.id, owner=nc.owner),
                nc.owner,
                assigned.text,
                assigned.blocks,
                record_ref=nc.number,
            )
        )
    return nudges


def announce_raised(ctx: Context, nc_id: int) -> Nonconformity:
    """Post the card, then tell the owner and confirm to the reporter (through the outbox)."""
    now = ctx.clock.now()

    def release(session: Session, nc: Nonconformity) -> None:
        for nudge in _announcements(nc, ctx.settings.channel, card_failed=nc.card_ts is None):
            outbox_rows.rewrite_pending(session, nudge.key, text=nudge.text, blocks=nudge.blocks, not_before=now)

    # With the card's link, in the transaction that saves it; without one (Slack refused the
    # card or its link), on their own, saying where to find the NC instead.
    nc = refresh_card(ctx, nc_id, linked=release)
    if nc.card_permalink is None:  # a new NC's card has a link only once `release` ran with it
        with ctx.db.session() as session:
            release(session, nc)
    return nc


def _similar_titles(a: str, b: str) -> bool:
    def words(text: str) -> set[str]:
        return {w for w in re.findall(r"[^\W_]+", text.casefold()) if len(w) > 2}

    wa, wb = words(a), words(b)
    overlap = len(wa & wb) / len(wa | wb) if wa and wb else 0.0
    return overlap >= 0.5 or SequenceMatcher(None, a.casefold(), b.casefold()).ratio() >= SIMILAR_TITLE + 0.15


def possible_recurrence(session: Session, ctx: Context, draft: Draft, now: datetime) -> Nonconformity | None:
    """A closed NC of the same process in the recurrence window with a similar title or the same clause."""
    since = now - timedelta(days=round(ctx.settings.recurrence_months * 365.25 / 12))
    for earlier in store.closed_since(session, draft.process, since):
        if (draft.iso_clause and earlier.iso_clause == draft.iso_clause) or _similar_titles(draft.title, earlier.title):
            return earlier
    return None
