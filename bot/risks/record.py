"""A risk with everything its card shows, and drawing the card from it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot import evidence
from bot.delivery import cards
from bot.risks import blocks
from bot.risks.nudges import THREAD_POST
from storage import nonconformities as nc_store
from storage import risks as store
from storage.audit import record_change
from storage.models_risks import Risk, RiskScore

if TYPE_CHECKING:
    from bot.context import Context

RECORD_TYPE = "risk"  # on the audit trail


def load_record(session: Session, risk: Risk) -> blocks.Record:
    assert risk.id is not None
    capture = nc_store.get_capture(session, risk.origin_id) if risk.origin_id else None
    return blocks.Record(
        risk,
        store.scores_of(session, risk.id),
        store.actions_of(session, risk.id),
        capture,
        [n.number for n in store.realised_by(session, risk.id)],
    )


def refresh_card(ctx: Context, risk_id: int) -> Risk:
    """Draw the risk's card from the record: posted in QMS_CHANNEL (else to its owner) the first time."""
    with ctx.db.read() as session:  # a read: never waits behind, nor holds up, a writer
        risk = store.get(session, risk_id)
        assert risk is not None
        record = load_record(session, risk)

    def save(channel: str, ts: str, permalink: str | None) -> None:
        with ctx.db.session() as session:
            store.set_card(session, risk_id, channel=channel, ts=ts, permalink=permalink)
        risk.card_channel, risk.card_ts, risk.card_permalink = channel, ts, permalink

    reply = blocks.card(record, ctx.today(), ctx.settings)
    target = ctx.settings.channel or risk.owner
    cards.show(ctx, reply, channel=risk.card_channel, ts=risk.card_ts, post_to=target, save=save, what=risk.number)
    return risk


# --- what every step writes: its trail entry, its post in the card's thread, a scoring --------


def trail(session: Session, risk: Risk, user: str, now: datetime, action: str, **kw: Any) -> int | None:
    return record_change(
        session, at=now, actor=user, record_type=RECORD_TYPE, record_ref=risk.number, action=action, **kw
    ).id


def post(session: Session, risk: Risk, event: int | None, text: str, now: datetime) -> None:
    cards.tell_thread(session, THREAD_POST.key(risk=risk.id, event=event), risk, risk.number, text, now)


def add_score(
    session: Session,
    risk: Risk,
    kind: str,
    likelihood: int,
    impact: int,
    user: str,
    now: datetime,
    note: str | None = None,
) -> None:
    assert risk.id is not None
    entry = RiskScore(
        risk_id=risk.id,
        kind=kind,
        likelihood=likelihood,
        impact=impact,
        score=likelihood * impact,
        scored_by=user,
        scored_at=now,
        note=note,
    )
    store.add_score(session, entry)


def kind_of(ctx: Context, risk_id: int) -> str | None:
    """Risk or opportunity (the treatments each may take), None if there is no such risk."""
    with ctx.db.read() as session:
        risk = store.get(session, risk_id)
        return risk.kind if risk else None


def attach_evidence(
    ctx: Context, risk: Risk, action_id: int, user: str, offered: list[evidence.Offered]
) -> evidence.Kept:
    """Keep the files attached when an action was marked done as the risk's evidence."""
    with ctx.db.read() as session:
        action = next((a for a in store.actions_of(session, risk.id or 0) if a.id == action_id), None)
    step = f"A{action.seq} done" if action is not None else "done"
    return evidence.keep(ctx, evidence.Attaching(RECORD_TYPE, risk.number, step, user), offered)
