"""Authorising a disposition (ISO 9001 8.7.2): an approver who did not record the decision
authorises it, or rejects it saying why; each in one transaction with the NC's trail, its
thread note, and the note to the NC owner and the recorder.

Rejecting asks for a reason in a form: the recorder must know what to decide instead, and
the record keeps why the decision was refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.delivery.outbox import Nudge, enqueue
from bot.errors import Invalid
from bot.outputs import blocks
from bot.outputs.forms import KINDS, TEXT_MAX, said
from bot.outputs.nudges import AUTHORISE_ALL, TOLD_DECISION
from bot.outputs.rules import (
    RECORD_TYPE,
    already_decided,
    decision_of,
    decision_said,
    post,
    refused,
    still_open,
    trail,
)
from bot.submissions import Submission, claim
from bot.surfaces.mrkdwn import mention, safe
from storage import outbox as outbox_rows
from storage import outputs as store
from storage.models import AffectedOutput, Disposition, Nonconformity

if TYPE_CHECKING:
    from bot.context import Context


def _may_authorise(
    ctx: Context, session: Session, decision_id: int, user: str, approver: bool
) -> tuple[Disposition, Nonconformity, AffectedOutput]:
    """The decision, if `user` may authorise it now; refused (on the trail) or already done if not."""
    d, nc, output = decision_of(session, decision_id)
    still_open(nc)
    name = f"D{d.seq} of {nc.number}"
    if not approver:
        message = f"Only a disposition approver (QMS_DISPOSITION_APPROVERS) can authorise {name}."
        raise refused(ctx, nc, user, f"authorise D{d.seq}", message)
    if d.decided_by == user:
        message = f"You recorded {name}, so another approver must authorise it."
        raise refused(ctx, nc, user, f"authorise D{d.seq}", message)
    if d.status != "pending":
        raise already_decided(ctx, session, nc, d)
    return d, nc, output


def check_authoriser(ctx: Context, decision_id: int, user: str) -> tuple[Disposition, Nonconformity, str]:
    """On the Reject button, before its form opens: may `user` decide on it now?"""
    approver = ctx.roles.is_approver(user)  # may ask Slack (a user group): outside the transaction
    with ctx.db.read() as session:
        d, nc, output = _may_authorise(ctx, session, decision_id, user, approver)
        return d, nc, output.unit


def check_rejection(note: object) -> str:
    text = str(note or "").strip()
    if not text or len(text) > TEXT_MAX:
        raise Invalid({"note": f"Say why it is rejected (under {TEXT_MAX} characters)."})
    return text


def authorise(
    ctx: Context,
    decision_id: int,
    user: str,
    approve: bool,
    seen: int | None,
    note: str | None = None,
    submission: Submission | None = None,
) -> Nonconformity:
    """An approver authorises (or rejects, saying why) a decision someone else recorded."""
    now = ctx.clock.now()
    approver = ctx.roles.is_approver(user)  # may ask Slack (a user group): outside the transaction
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now, f"disposition-{decision_id}")
        d, nc, output = _may_authorise(ctx, session, decision_id, user, approver)
        status = "approved" if approve else "rejected"
        changed = {"status": status, "authorised_by": user, "authorised_at": now, "authorisation_note": note}
        if not store.change_if(session, d, seen, "pending", **changed):
            raise already_decided(ctx, session, nc, d)
        store.change(session, output, None)  # the holding changed: drawn forms on it are stale
        after = {**decision_said(d), "authorised_by": user, "authorised_at": now.isoformat()}
        if note:
            after["authorisation_note"] = note
        before = {"disposition": f"D{d.seq}", "status": "pending"}
        event = trail(session, nc, user, now, f"disposition_{status}", before, after)
        verb = "authorised" if approve else "rejected"
        why = f": {safe(note, 500)}" if note else "."
        line = f"D{d.seq} ({KINDS[d.kind]}, {said(d.quantity)} {safe(output.unit, 20)})"
        post(session, nc, event, f":scales: {mention(user)} {verb} {line}{why}", now)
        outbox_rows.cancel_pending(session, AUTHORISE_ALL.prefix(decision=d.id))
        told = blocks.decision_told(nc, d, output.unit)
        for to in dict.fromkeys((nc.owner, d.decided_by)):
            if to != user:
                key = TOLD_DECISION.key(decision=d.id, status=status, to=to)
                enqueue(session, Nudge(key, to, told.text, told.blocks, record_ref=nc.number), now)
    return nc
