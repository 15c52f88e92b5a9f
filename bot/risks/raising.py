"""Raising a risk: numbering and storing it with its initial score, and announcing it to its
owner and the person who raised it (once its card is out, with the card's link).

Apart from the other steps (rules.py) because together they would pass 400 lines.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import nonconformity as nc
from bot.delivery.outbox import Nudge, enqueue
from bot.risks import blocks
from bot.risks.forms import FIRST_REVIEW_DAYS, Draft
from bot.risks.nudges import OWNER_ASSIGNED, RAISED_CONFIRMATION
from bot.risks.record import RECORD_TYPE, add_score, refresh_card, trail
from bot.submissions import Submission, claim, record_made
from storage import nonconformities as nc_store
from storage import outbox as outbox_rows
from storage import risks as store
from storage.models import MessageCapture
from storage.models_risks import Risk
from storage.sequences import next_number

if TYPE_CHECKING:
    from bot.context import Context

ANNOUNCE_GRACE = timedelta(seconds=60)


def raise_risk(
    ctx: Context,
    reporter: str,
    draft: Draft,
    capture_id: int | None = None,
    submission: Submission | None = None,
    came_from: str | None = None,
) -> Risk:
    """Number and store a new risk with its initial score; `came_from` names the record it came from."""
    owner = draft.owner or nc.default_owner(ctx, draft.process, reporter)  # may ask Slack: outside the transaction
    now = ctx.clock.now()
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now)
        capture = nc_capture(session, capture_id, reporter)
        score = draft.likelihood * draft.impact
        risk = store.add(
            session,
            Risk(
                number=next_number(session, "RK", now.astimezone(ctx.settings.zone).year),
                kind=draft.kind,
                process=draft.process,
                title=draft.title,
                description=draft.description,
                likelihood=draft.likelihood,
                impact=draft.impact,
                score=score,
                owner=owner,
                reporter=reporter,
                review_date=draft.review_date or ctx.today() + timedelta(days=FIRST_REVIEW_DAYS),
                raised_at=now,
                updated_at=now,
                origin_id=capture.id if capture else None,
            ),
        )
        add_score(session, risk, "initial", draft.likelihood, draft.impact, reporter, now)
        after = {
            "kind": risk.kind,
            "title": risk.title,
            "process": risk.process,
            "likelihood": risk.likelihood,
            "impact": risk.impact,
            "score": score,
            "owner": owner,
            "review_date": risk.review_date.isoformat(),
            "from_message": capture.permalink if capture else None,
            **({"from": came_from} if came_from else {}),
        }
        trail(session, risk, reporter, now, "raised", after=after)
        for nudge in _announcements(ctx, risk, card_failed=False):
            enqueue(session, replace(nudge, not_before=now + ANNOUNCE_GRACE), now)
        record_made(session, submission, risk.number)
        return risk


def nc_capture(session: Session, capture_id: int | None, reporter: str) -> MessageCapture | None:
    """The copy of the message it was raised from: only the reporter's own capture is attached."""
    capture = nc_store.get_capture(session, capture_id) if capture_id else None
    return capture if capture is not None and capture.captured_by == reporter else None


def _announcements(ctx: Context, risk: Risk, *, card_failed: bool) -> list[Nudge]:
    confirmation = blocks.raised_confirmation(risk, ctx.settings, card_failed)
    key = RAISED_CONFIRMATION.key(risk=risk.id)
    found = [
        Nudge(
            key, risk.reporter, confirmation.text, confirmation.blocks, record_ref=risk.number, in_working_hours=False
        )
    ]
    if risk.owner != risk.reporter:
        told = blocks.owner_assigned(risk, ctx.settings)
        found.append(
            Nudge(
                OWNER_ASSIGNED.key(risk=risk.id, owner=risk.owner),
                risk.owner,
                told.text,
                told.blocks,
                record_ref=risk.number,
            )
        )
    return found


def announce_raised(ctx: Context, risk_id: int) -> Risk:
    """Post the card, then release the owner's and the reporter's messages with its link."""
    risk = refresh_card(ctx, risk_id)
    now = ctx.clock.now()
    with ctx.db.session() as session:
        for nudge in _announcements(ctx, risk, card_failed=risk.card_ts is None):
            outbox_rows.rewrite_pending(session, nudge.key, text=nudge.text, blocks=nudge.blocks, not_before=now)
    return risk
