"""What people are shown: the complaint card, lists, one record, the NC form a complaint
fills in, and the customer-perception figures the digest and reviews use."""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import nonconformity as nc
from bot.delivery import cards, versions
from bot.errors import Refused
from bot.feedback import blocks
from bot.feedback.forms import RECEIVED_VIA
from bot.feedback.rules import RECORD_TYPE, load
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import safe
from bot.workspace.captures import copy_shown_to
from storage import evidence as evidence_store
from storage import feedback as store

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)


def refresh_card(ctx: Context, feedback_id: int) -> None:
    """Show a complaint's card as the record stands (post it the first time)."""
    with ctx.db.read() as session:  # a read: never waits behind, nor holds up, a writer
        entry, capture, nc_number = load(session, feedback_id)
        files = evidence_store.files_of(session, RECORD_TYPE, entry.number)
    if entry.kind != "complaint":
        return

    def save(channel: str, ts: str, permalink: str | None) -> None:
        with ctx.db.session() as session:
            store.set_card(session, feedback_id, channel=channel, ts=ts, permalink=permalink)

    reply = blocks.record(entry, capture, nc_number, ctx.today(), ctx.settings.zone, files=files)
    post_to = ctx.settings.channel or entry.owner or entry.logged_by
    cards.show(ctx, reply, channel=entry.card_channel, ts=entry.card_ts, post_to=post_to, save=save, what=entry.number)


def redraw_owner_message(ctx: Context, feedback_id: int, clicked: tuple[str, str] | None) -> None:
    """A step pressed on a message other than the card (the owner's DM, a reminder): that
    message shows where the complaint stands now and the step after."""
    with ctx.db.session() as session:
        entry, _, _ = load(session, feedback_id)
    if clicked is None or clicked == (entry.card_channel, entry.card_ts):
        return
    reply = blocks.owner_moved(entry)
    try:
        ctx.client.chat_update(channel=clicked[0], ts=clicked[1], **reply.as_kwargs())
    except SlackApiError as exc:
        log.warning("could not redraw %s in a DM: %s", entry.number, exc.response.get("error"))


def nc_form(ctx: Context, feedback_id: int, seen: int | None = None) -> tuple[nc.RaiseForm, int]:
    """The NC form filled in from a complaint: source, the customer's words, a link back.

    A card drawn for an older version of the complaint opens nothing (`seen`): the person is
    told what changed. The NC is linked to the complaint once, whoever submits first."""
    with ctx.db.session() as session:
        entry, _, nc_number = load(session, feedback_id)
        versions.require_seen(session, entry, seen, RECORD_TYPE, entry.number, zone=ctx.settings.zone)
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
    form = nc.RaiseForm(title=title[:150], description=description[:3000], source="customer_complaint")
    return form, feedback_id


def list_reply(ctx: Context) -> Reply:
    with ctx.db.session() as session:
        complaints = store.open_complaints(session)
        recent = store.recent(session, 10)
    return blocks.feedback_list(complaints, recent, ctx.today())


def record_reply(ctx: Context, number: str, reader: str) -> Reply:
    """One feedback record; the copy of a private message only for who may read it."""
    with ctx.db.session() as session:
        entry = store.by_number(session, number)
        if entry is None:
            return Reply(f"There is no {safe(number.upper(), 40)}. `/feedback list` shows the latest.")
        assert entry.id is not None  # a stored entry
        entry, capture, nc_number = load(session, entry.id)
        files = evidence_store.files_of(session, RECORD_TYPE, entry.number)
    show_copy = capture is not None and copy_shown_to(ctx, capture, reader)
    return blocks.record(entry, capture, nc_number, ctx.today(), ctx.settings.zone, show_copy=show_copy, files=files)


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


def stats_reply(ctx: Context, days: int) -> Reply:
    end = ctx.today() + timedelta(days=1)
    start = end - timedelta(days=days)
    with ctx.db.read() as session:
        found = figures(session, start, end, ctx.settings.zone)
    return blocks.figures(found, start, end - timedelta(days=1))
