"""An NC with everything its card shows, and drawing the card from it.

Apart from the steps (rules.py) and raising (raising.py) because both, and the read-side
replies, load the record and redraw the card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import evidence, outputs
from bot.delivery import cards
from bot.nonconformity import blocks as nc_blocks
from storage import evidence as evidence_store
from storage import feedback as feedback_store
from storage import nonconformities as store
from storage import risks as risk_store
from storage.models import CorrectiveAction, EvidenceFile, MessageCapture, Nonconformity

if TYPE_CHECKING:
    from bot.context import Context

# Writes that quote a new card's permalink, done in the transaction that saves it.
Linked = Callable[[Session, Nonconformity], None]

RECORD_TYPE = "nonconformity"  # on the audit trail


@dataclass
class Record:
    """An NC with what its card shows."""

    nc: Nonconformity
    actions: list[CorrectiveAction]
    capture: MessageCapture | None
    numbers: dict[int, str] = field(default_factory=dict)
    recurred_as: list[str] = field(default_factory=list)
    complaint: tuple[str, str | None] | None = None  # (FB number, card permalink)
    evidence: list[EvidenceFile] = field(default_factory=list)
    outputs: outputs.Outputs | None = None  # the affected output and its dispositions (8.7)
    risk: tuple[str, str | None] | None = None  # the risk it realised: (number, its card's permalink)


def load_record(session: Session, nc: Nonconformity) -> Record:
    assert nc.id is not None
    capture = store.get_capture(session, nc.origin_id) if nc.origin_id else None
    linked = [i for i in (nc.possible_recurrence_of, nc.recurrence_of) if i]
    complaint = feedback_store.by_nc(session, nc.id)
    realised = risk_store.get(session, nc.risk_id) if nc.risk_id else None
    return Record(
        nc,
        store.actions_of(session, nc.id),
        capture,
        store.numbers(session, linked),
        [r.number for r in store.recurrences_of(session, nc.id)],
        (complaint.number, complaint.card_permalink) if complaint else None,
        evidence_store.files_of(session, RECORD_TYPE, nc.number),
        outputs.load(session, nc.id),
        (realised.number, realised.card_permalink) if realised else None,
    )


def refresh_card(ctx: Context, nc_id: int, linked: Linked | None = None) -> Nonconformity:
    """Draw the NC's card from the record (see bot.delivery.cards). `linked(session, nc)` runs
    in the transaction that saves a new card's permalink, when there is one: what quotes the
    link is written with it instead of in a transaction of its own."""
    with ctx.db.read() as session:  # a read: never waits behind, nor holds up, a writer
        nc = store.get(session, nc_id)
        assert nc is not None
        record = load_record(session, nc)

    def save(channel: str, ts: str, permalink: str | None) -> None:
        with ctx.db.session() as session:
            store.set_card(session, nc_id, channel=channel, ts=ts, permalink=permalink)
            nc.card_channel, nc.card_ts, nc.card_permalink = channel, ts, permalink
            if permalink is not None and linked is not None:
                linked(session, nc)

    reply = nc_blocks.card(record, ctx.today(), ctx.settings)
    cards.show(
        ctx,
        reply,
        channel=nc.card_channel,
        ts=nc.card_ts,
        post_to=ctx.settings.channel or nc.owner,
        save=save,
        what=nc.number,
    )
    return nc


def attach_evidence(
    ctx: Context, nc_id: int, action_id: int | None, step: str, user: str, offered: list[evidence.Offered]
) -> evidence.Kept:
    """Keep the files attached at a step as the NC's evidence (after the form was answered)."""
    with ctx.db.reading() as session:
        nc = store.get(session, nc_id)
        assert nc is not None
        action = next((a for a in store.actions_of(session, nc_id) if a.id == action_id), None)
    what = f"A{action.seq} {step}" if action is not None else step
    return evidence.keep(ctx, evidence.Attaching(RECORD_TYPE, nc.number, what, user), offered)


def refresh_cards(ctx: Context, *nc_ids: int | None) -> None:
    for nc_id in dict.fromkeys(i for i in nc_ids if i):
        refresh_card(ctx, nc_id)


def cards_touched(nc: Nonconformity) -> list[int | None]:
    """The cards a step on `nc` changes: its own, and the earlier NC it recurs."""
    return [nc.id, nc.recurrence_of]
