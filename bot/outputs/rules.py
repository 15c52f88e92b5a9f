"""The changes to nonconforming output, each in one transaction with its trail event and its
thread note: recording the affected output, a disposition decision, its authorisation, and
the re-verification of reworked or repaired output. And what keeps an NC from closing.

Every change goes on the NC's own audit trail (its card's history shows it). The affected
output's version goes up with each decision, so two decisions sent at once are serialised
on that row and never decide more than was affected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.delivery import cards, versions
from bot.delivery.due import manager_recipients
from bot.delivery.outbox import Nudge, enqueue
from bot.errors import Invalid, NotAllowed, Refused
from bot.outputs import blocks
from bot.outputs.forms import (
    NEEDS_REVERIFY,
    DecisionDraft,
    Holding,
    OutputDraft,
    check_decision,
    check_output,
    check_reverify,
    holding,
)
from bot.outputs.nudges import AUTHORISE_ALL, AUTHORISE_REQUEST, NOBODY_TO_AUTHORISE, THREAD_POST
from bot.submissions import Submission, claim
from bot.surfaces.mrkdwn import mention
from storage import nonconformities as nc_store
from storage import outbox as outbox_rows
from storage import outputs as store
from storage.audit import record_change
from storage.models import AffectedOutput, Disposition, Nonconformity

if TYPE_CHECKING:
    from bot.context import Context

RECORD_TYPE = "nonconformity"  # the NC's trail: output is part of the NC's record


@dataclass
class Outputs:
    """An NC's affected output, its decisions and what is on hold (None: no output recorded)."""

    output: AffectedOutput | None
    decisions: list[Disposition]
    holding: Holding | None


def load(session: Session, nc_id: int) -> Outputs:
    output = store.output_of(session, nc_id)
    decisions = store.decisions_of(session, nc_id) if output else []
    return Outputs(output, decisions, holding(output.quantity, decisions) if output else None)


def close_refusal(session: Session, nc: Nonconformity) -> str | None:
    """Why the NC cannot close yet (output still on hold), or None."""
    assert nc.id is not None
    found = load(session, nc.id)
    if found.output is None or found.holding is None or found.holding.on_hold <= 0:
        return None
    return (
        f"{nc.number} cannot be closed: {blocks.hold_said(found.holding, found.output.unit)}. "
        "Decide, authorise and re-verify it first (ISO 9001 8.7)."
    )


def trail(
    session: Session, nc: Nonconformity, user: str, now: datetime, action: str, before: Any, after: Any
) -> int | None:
    event = record_change(
        session,
        at=now,
        actor=user,
        record_type=RECORD_TYPE,
        record_ref=nc.number,
        action=action,
        before=before,
        after=after,
    )
    return event.id


def post(session: Session, nc: Nonconformity, event: int | None, text: str, now: datetime) -> None:
    cards.tell_thread(session, THREAD_POST.key(nc=nc.id, event=event), nc, nc.number, text, now)


def refused(ctx: Context, nc: Nonconformity, user: str, step: str, message: str) -> NotAllowed:
    """A refused attempt goes on the NC's trail too, written after the person is answered
    (bot.delivery.trail): an auditor may ask who tried to authorise what."""
    ctx.later_trail.refusal(
        at=ctx.clock.now(), actor=user, record_type=RECORD_TYPE, record_ref=nc.number, step=step, note=message
    )
    return NotAllowed(message)


def _open_nc(session: Session, nc_id: int) -> Nonconformity:
    nc = nc_store.get(session, nc_id)
    if nc is None:
        raise Refused("That NC no longer exists.")
    still_open(nc)
    return nc


def still_open(nc: Nonconformity) -> None:
    if nc.status in ("closed", "cancelled"):
        raise Refused(f"{nc.number} is {nc.status}; its output can no longer change.")


def _active_nc(session: Session, ctx: Context, nc_id: int, user: str, doing: str, manager: bool) -> Nonconformity:
    """The NC, if it is still open and `user` owns it or is a QMS manager (`manager`, looked up
    before the transaction: a user group may have to be asked of Slack)."""
    nc = _open_nc(session, nc_id)
    if user != nc.owner and not manager:
        message = f"Only the NC owner ({mention(nc.owner)}) or a QMS manager can {doing} on {nc.number}."
        raise refused(ctx, nc, user, doing, message)
    return nc


def _number(session: Session, nc_id: int) -> str:
    nc = nc_store.get(session, nc_id)
    return nc.number if nc else f"nc-{nc_id}"


def find_decision(ctx: Context, decision_id: int) -> tuple[Disposition, str] | None:
    """A decision and its output's unit, for a form or a note about it."""
    with ctx.db.read() as session:
        d = store.get_decision(session, decision_id)
        output = store.output_of(session, d.nc_id) if d else None
        return (d, output.unit) if d and output else None


def check_owner(ctx: Context, nc_id: int, user: str, doing: str) -> tuple[Nonconformity, Outputs]:
    """On the button, before the form opens: may `user` do this on the NC now?"""
    manager = ctx.roles.is_manager(user)
    with ctx.db.read() as session:
        nc = _active_nc(session, ctx, nc_id, user, doing, manager)
        return nc, load(session, nc_id)


def record_output(
    ctx: Context, nc_id: int, user: str, values: dict[str, Any], seen: int | None, submission: Submission | None = None
) -> Nonconformity:
    now = ctx.clock.now()
    manager = ctx.roles.is_manager(user)  # may ask Slack (a user group): outside the transaction
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now, _number(session, nc_id))
        nc = _active_nc(session, ctx, nc_id, user, "record the affected output", manager)
        found = load(session, nc_id)
        errors, draft = check_output(values, found.holding.decided if found.holding else 0.0)
        if errors or draft is None:
            raise Invalid(errors)
        new = _output_values(draft)
        if found.output is None:
            store.add(session, AffectedOutput(nc_id=nc_id, recorded_by=user, recorded_at=now, **new))
            before: dict[str, Any] = {}
        else:
            before = {k: getattr(found.output, k) for k in new}
            if not store.change(session, found.output, seen, **new, recorded_by=user, recorded_at=now):
                raise versions.already_done(session, RECORD_TYPE, nc.number, zone=ctx.settings.zone)
        event = trail(session, nc, user, now, "output_recorded", before, new)
        output = store.output_of(session, nc_id)
        assert output is not None
        post(
            session,
            nc,
            event,
            f":package: {mention(user)} recorded the affected output: {blocks.output_line(output)}",
            now,
        )
    return nc


def _output_values(draft: OutputDraft) -> dict[str, Any]:
    return {
        "item": draft.item,
        "quantity": draft.quantity,
        "unit": draft.unit,
        "lots": draft.lots,
        "held_at": draft.held_at,
        "unit_cost": draft.unit_cost,
    }


def decide(
    ctx: Context, nc_id: int, user: str, values: dict[str, Any], submission: Submission | None = None
) -> tuple[Nonconformity, int]:
    """Record a decision on part of the held output; the NC and the decision's number (D…)."""
    now = ctx.clock.now()
    # Both may ask Slack (a user group): outside the transaction.
    approvers = [a for a in ctx.roles.approvers() if a != user]
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now, _number(session, nc_id))
        nc = _active_nc(session, ctx, nc_id, user, "record a disposition", manager)
        found = load(session, nc_id)
        if found.output is None or found.holding is None:
            raise Invalid({"kind": "Record the affected output first."})
        # Lock the output: a decision sent at the same moment waits, then sees this one.
        if not store.change(session, found.output, None):
            raise Refused("The affected output changed; close this form and open it again.")
        found = load(session, nc_id)
        assert found.output is not None and found.holding is not None
        errors, draft = check_decision(values, found.holding.undecided, found.output.unit)
        if errors or draft is None:
            raise Invalid(errors)
        decision = _add_decision(session, nc, draft, user, now, approvers)
        event = trail(session, nc, user, now, "disposition_recorded", {}, decision_said(decision))
        line = blocks.decision_line(decision, found.output.unit, ctx.settings.zone)
        post(session, nc, event, f":scales: {mention(user)} recorded a disposition: {line}", now)
        _ask_approvers(session, ctx, nc, found.output, decision, approvers)
    return nc, decision.seq


def _ask_approvers(
    session: Session, ctx: Context, nc: Nonconformity, output: AffectedOutput, d: Disposition, approvers: list[str]
) -> None:
    """Each approver but the recorder is asked; when there is none, the recorder and the QMS
    managers hear at once that the decision waits on nobody (else it would wait unseen)."""
    now = ctx.clock.now()
    if not approvers:
        for to in dict.fromkeys([d.decided_by, *manager_recipients(ctx.settings)]):
            note = blocks.nobody_to_authorise(nc, d, to_recorder=to == d.decided_by)
            key = NOBODY_TO_AUTHORISE.key(decision=d.id, to=to)
            enqueue(session, Nudge(key, to, note.text, note.blocks, record_ref=nc.number, in_working_hours=False), now)
        return
    request = blocks.authorisation_request(nc, output, d, ctx.settings.zone)
    for approver in approvers:
        key = AUTHORISE_REQUEST.key(decision=d.id, approver=approver)
        enqueue(session, Nudge(key, approver, request.text, request.blocks, record_ref=nc.number), now)


def _add_decision(
    session: Session, nc: Nonconformity, draft: DecisionDraft, user: str, now: datetime, asked: list[str]
) -> Disposition:
    assert nc.id is not None
    row = Disposition(
        nc_id=nc.id,
        seq=store.next_seq(session, nc.id),
        kind=draft.kind,
        quantity=draft.quantity,
        reason=draft.reason,
        concession_ref=draft.concession_ref,
        decided_by=user,
        decided_at=now,
        asked=asked or None,
    )
    decision: Disposition = store.add(session, row)
    return decision


def decision_said(d: Disposition) -> dict[str, Any]:
    return {
        "disposition": f"D{d.seq}",
        "kind": d.kind,
        "quantity": d.quantity,
        "reason": d.reason,
        "concession_ref": d.concession_ref,
        "status": d.status,
    }


def decision_of(session: Session, decision_id: int) -> tuple[Disposition, Nonconformity, AffectedOutput]:
    d = store.get_decision(session, decision_id)
    nc = nc_store.get(session, d.nc_id) if d else None
    output = store.output_of(session, d.nc_id) if d else None
    if d is None or nc is None or output is None:
        raise Refused("That disposition no longer exists.")
    return d, nc, output


def concerning(d: Disposition) -> versions.Concerning:
    return lambda e: bool(e.after and e.after.get("disposition") == f"D{d.seq}")


def already_decided(ctx: Context, session: Session, nc: Nonconformity, d: Disposition) -> Exception:
    """Someone was first on this decision: who, and when (bot.delivery.versions)."""
    name = f"D{d.seq} of {nc.number}"
    return versions.already_done(
        session, RECORD_TYPE, nc.number, zone=ctx.settings.zone, concerning=concerning(d), name=name
    )


def reverify(
    ctx: Context,
    decision_id: int,
    user: str,
    values: dict[str, Any],
    seen: int | None,
    submission: Submission | None = None,
) -> tuple[Nonconformity, int]:
    """Reworked or repaired output verified again: conforming releases it; still nonconforming
    puts its quantity back on hold, undecided, for another decision."""
    now = ctx.clock.now()
    manager = ctx.roles.is_manager(user)  # may ask Slack (a user group): outside the transaction
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now, f"disposition-{decision_id}")
        d, nc, output = decision_of(session, decision_id)
        _active_nc(session, ctx, d.nc_id, user, "record a re-verification", manager)
        errors, checked = check_reverify(values)
        if errors or checked is None:
            raise Invalid(errors)
        if d.kind not in NEEDS_REVERIFY or d.status != "approved":
            raise Refused(f"D{d.seq} of {nc.number} needs no re-verification (only authorised rework and repair do).")
        result, note = checked
        if d.reverify_result is not None or not store.change_if(
            session,
            d,
            seen,
            "approved",
            reverified_by=user,
            reverified_at=now,
            reverify_result=result,
            reverify_note=note,
        ):
            raise already_decided(ctx, session, nc, d)
        store.change(session, output, None)
        after = {"disposition": f"D{d.seq}", "reverify_result": result, "reverify_note": note}
        event = trail(session, nc, user, now, "disposition_reverified", {"disposition": f"D{d.seq}"}, after)
        post(
            session,
            nc,
            event,
            f":mag: {mention(user)} re-verified {blocks.decision_line(d, output.unit, ctx.settings.zone)}",
            now,
        )
    return nc, d.seq


def withdraw_requests(session: Session, nc_id: int) -> None:
    """The NC ends (cancelled): requests to authorise its pending decisions are withdrawn."""
    for d in store.decisions_of(session, nc_id):
        if d.status == "pending":
            outbox_rows.cancel_pending(session, AUTHORISE_ALL.prefix(decision=d.id))
