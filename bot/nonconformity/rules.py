"""The steps that move an NC on: containment, root cause, actions, verification, closing.

Every step is a compare-and-set on the record's status (see `storage.nonconformities.move`),
goes on the audit trail, is posted in the card's thread through the outbox in the same
transaction, and is checked first by `guard.take_step` (who may, and whether it is still
possible). Raising an NC is in raising.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import outputs
from bot.delivery import versions
from bot.errors import NotAllowed, Refused
from bot.nonconformity import actions as shared
from bot.nonconformity import blocks as nc_blocks
from bot.nonconformity import handoffs
from bot.nonconformity.guard import (
    Guarded,
    already_done,
    log_refusal,
    managers_named,
    move,
    number_of,
    post_in_thread,
    take_step,
    write_trail,
)
from bot.nonconformity.lifecycle import ELSEWHERE, ROOT_CAUSE_METHODS, Step
from bot.nonconformity.nudges import (
    ACTION_ALL,
    ALL,
    ESCALATION,
    OWNER_REMINDER,
    VERIFY_NOW,
    VERIFY_REQUEST,
)
from bot.nonconformity.record import RECORD_TYPE
from bot.submissions import Submission
from bot.surfaces.mrkdwn import mention, safe
from storage import nonconformities as store
from storage import outbox as outbox_rows
from storage.models import Nonconformity

if TYPE_CHECKING:
    from bot.context import Context


def contain(ctx: Context, nc_id: int, user: str, text: str, submission: Submission | None = None) -> Nonconformity:
    def work(session: Session, g: Guarded, now: datetime) -> None:
        old = g.nc.containment
        before, after = move(session, g.nc, Step.CONTAIN, now, containment=text)
        event = write_trail(
            session,
            g.nc,
            user,
            now,
            "contained",
            {"status": before, "containment": old},
            {"status": after, "containment": text},
        )
        post_in_thread(session, g.nc, event, f":shield: {mention(user)} recorded containment:\n{safe(text, 2800)}", now)

    return take_step(ctx, nc_id, Step.CONTAIN, user, work, submission=submission)


def record_root_cause(
    ctx: Context,
    nc_id: int,
    user: str,
    method: str,
    cause: str,
    elsewhere: str,
    elsewhere_note: str | None,
    submission: Submission | None = None,
) -> Nonconformity:
    def work(session: Session, g: Guarded, now: datetime) -> None:
        old = {
            "root_cause_method": g.nc.root_cause_method,
            "root_cause": g.nc.root_cause,
            "occurs_elsewhere": g.nc.occurs_elsewhere,
        }
        before, after = move(
            session,
            g.nc,
            Step.RECORD_ROOT_CAUSE,
            now,
            root_cause_method=method,
            root_cause=cause,
            occurs_elsewhere=elsewhere,
            elsewhere_note=elsewhere_note,
        )
        new = {
            "root_cause_method": method,
            "root_cause": cause,
            "occurs_elsewhere": elsewhere,
            "elsewhere_note": elsewhere_note,
        }
        event = write_trail(
            session, g.nc, user, now, "root_cause_found", {"status": before, **old}, {"status": after, **new}
        )
        where = f" — {safe(elsewhere_note, 500)}" if elsewhere_note else ""
        text = (
            f":mag: {mention(user)} recorded the root cause ({ROOT_CAUSE_METHODS[method]}):\n{safe(cause, 2400)}\n"
            f"Could this occur elsewhere? *{ELSEWHERE[elsewhere]}*{where}"
        )
        post_in_thread(session, g.nc, event, text, now)

    return take_step(ctx, nc_id, Step.RECORD_ROOT_CAUSE, user, work, submission=submission)


def add_action(
    ctx: Context,
    nc_id: int,
    user: str,
    kind: str,
    description: str,
    owner: str | None,
    due: date | None,
    submission: Submission | None = None,
) -> Nonconformity:
    def work(session: Session, g: Guarded, now: datetime) -> None:
        # The status compare-and-set comes first: it locks the NC row, so concurrent
        # additions queue and number their actions A1, A2, … without clashing.
        before, after = move(session, g.nc, Step.ADD_ACTION, now)
        values = {
            # Kept for the record (the claim decides a repeat): the view that added it, or
            # who and when for an action added without a form.
            "submission": submission.view_id if submission else f"{user}@{now.isoformat()}",
            "kind": kind,
            "description": description,
            "owner": owner or g.nc.owner,
            "due_date": due or max(g.nc.due_date, ctx.today()),
        }
        action = shared.add(session, {"nc_id": nc_id}, values, user, now)
        # Open actions again: nothing to verify yet.
        _stop_verify_requests(session, g.nc)
        event = write_trail(
            session,
            g.nc,
            user,
            now,
            "action_added",
            {"status": before},
            {
                "status": after,
                "action": f"A{action.seq}",
                "kind": kind,
                "description": description,
                "owner": action.owner,
                "due_date": action.due_date.isoformat(),
            },
        )
        post_in_thread(
            session, g.nc, event, f":hammer_and_wrench: {mention(user)} added {nc_blocks.action_added(action)}", now
        )
        shared.tell_owner(session, shared.of_nc(g.nc), action, user, now)

    return take_step(ctx, nc_id, Step.ADD_ACTION, user, work, submission=submission)


def complete_action(
    ctx: Context, nc_id: int, action_id: int, user: str, evidence: str, submission: Submission | None = None
) -> Nonconformity:
    def work(session: Session, g: Guarded, now: datetime) -> None:
        assert g.action is not None
        # Lock the NC first, so two actions finished at once still see each other and the
        # last one moves the NC to "actions done".
        if not store.move(session, g.nc, g.nc.status, updated_at=now):
            session.refresh(g.nc)
            raise already_done(session, g.nc)
        shared.complete(session, shared.of_nc(g.nc), g.action, user, now, evidence)
        event = write_trail(
            session,
            g.nc,
            user,
            now,
            "action_done",
            {"action": f"A{g.action.seq}", "status": "open"},
            {"action": f"A{g.action.seq}", "status": "done", "evidence": evidence},
        )
        post_in_thread(
            session,
            g.nc,
            event,
            f":white_check_mark: {mention(user)} marked A{g.action.seq} done. Evidence:\n{safe(evidence, 2600)}",
            now,
        )
        if store.open_actions_count(session, nc_id) == 0:
            before, after = move(session, g.nc, Step.COMPLETE_ACTIONS, now, actions_done_at=now)
            outbox_rows.cancel_pending(session, OWNER_REMINDER.prefix(nc=g.nc.id))
            outbox_rows.cancel_pending(session, ESCALATION.prefix(nc=g.nc.id))
            event = write_trail(session, g.nc, user, now, "actions_done", {"status": before}, {"status": after})
            post_in_thread(
                session,
                g.nc,
                event,
                ":checkered_flag: All actions are done; the effectiveness check is next (a QMS manager who did none of the actions).",
                now,
            )
        handoffs.action_done(session, ctx.settings, g.nc, g.action, user, now)

    return take_step(ctx, nc_id, Step.COMPLETE_ACTIONS, user, work, action_id, submission=submission)


def verify(
    ctx: Context,
    nc_id: int,
    user: str,
    effective: bool,
    note: str | None,
    seen_version: int | None = None,
    submission: Submission | None = None,
) -> Nonconformity:
    step = Step.VERIFY_EFFECTIVE if effective else Step.VERIFY_NOT_EFFECTIVE

    def work(session: Session, g: Guarded, now: datetime) -> None:
        if effective:
            before, after = move(session, g.nc, step, now, verified_by=user, verified_at=now, verification_note=note)
            text = f":white_check_mark: {mention(user)} verified the actions as *effective*."
        else:
            before, after = move(
                session,
                g.nc,
                step,
                now,
                verified_by=None,
                verified_at=None,
                verification_note=note,
                failed_verifications=g.nc.failed_verifications + 1,
                actions_done_at=None,
            )
            text = f":x: {mention(user)} found the actions *not effective*; the NC goes back to root cause analysis."
        if note:
            text += f"\n{safe(note, 2500)}"
        _stop_verify_requests(session, g.nc)
        if not effective:
            handoffs.not_effective(session, g.nc, user, now)
        event = write_trail(
            session,
            g.nc,
            user,
            now,
            "effectiveness_verified" if effective else "effectiveness_not_verified",
            {"status": before},
            {"status": after, "effective": effective},
            note,
        )
        post_in_thread(session, g.nc, event, text, now)

    return take_step(ctx, nc_id, step, user, work, seen_version=seen_version, submission=submission)


def _stop_verify_requests(session: Session, nc: Nonconformity) -> None:
    outbox_rows.cancel_pending(session, VERIFY_REQUEST.prefix(nc=nc.id))
    outbox_rows.cancel_pending(session, VERIFY_NOW.prefix(nc=nc.id))


def _stop_all_nudges(session: Session, nc: Nonconformity) -> None:
    assert nc.id is not None
    outbox_rows.cancel_pending(session, ALL.prefix(nc=nc.id))
    for action in store.actions_of(session, nc.id):
        outbox_rows.cancel_pending(session, ACTION_ALL.prefix(action=action.id))
    outputs.withdraw_requests(session, nc.id)  # its dispositions' requests to approvers


def close(ctx: Context, nc_id: int, user: str, seen_version: int | None = None) -> Nonconformity:
    def work(session: Session, g: Guarded, now: datetime) -> None:
        held = outputs.close_refusal(session, g.nc)
        if held:  # nonconforming output still on hold must not be released by closing (8.7)
            raise Refused(held)
        before, after = move(session, g.nc, Step.CLOSE, now, closed_by=user, closed_at=now)
        _stop_all_nudges(session, g.nc)
        event = write_trail(session, g.nc, user, now, "closed", {"status": before}, {"status": after})
        post_in_thread(session, g.nc, event, f":lock: {mention(user)} closed {g.nc.number}.", now)
        handoffs.outcome(session, g.nc, user, now)

    return take_step(ctx, nc_id, Step.CLOSE, user, work, seen_version=seen_version)


def cancel(ctx: Context, nc_id: int, user: str, reason: str, submission: Submission | None = None) -> Nonconformity:
    def work(session: Session, g: Guarded, now: datetime) -> None:
        before, after = move(session, g.nc, Step.CANCEL, now, cancel_reason=reason, closed_by=user, closed_at=now)
        _stop_all_nudges(session, g.nc)
        event = write_trail(session, g.nc, user, now, "cancelled", {"status": before}, {"status": after}, reason)
        post_in_thread(
            session,
            g.nc,
            event,
            f":no_entry_sign: {mention(user)} cancelled {g.nc.number}: not a nonconformity.\n{safe(reason, 2500)}",
            now,
        )
        handoffs.outcome(session, g.nc, user, now)

    return take_step(ctx, nc_id, Step.CANCEL, user, work, submission=submission)


def settle_recurrence(ctx: Context, nc_id: int, user: str, link: bool, seen: int | None = None) -> Nonconformity:
    """A QMS manager links a possible recurrence (questioning the earlier NC's effectiveness) or dismisses it.

    `seen` is the version the card's buttons were drawn for: a press on an older card changes
    nothing. Both cards change when linked: refresh `cards_touched(nc)`.
    """
    if not ctx.roles.is_manager(user):
        number = number_of(ctx, nc_id)
        message = f"Only a QMS manager{managers_named(ctx)} can decide whether {number} is a recurrence."
        log_refusal(ctx, number, user, "settle_recurrence", message)
        raise NotAllowed(message)
    now = ctx.clock.now()
    with ctx.db.session() as session:
        nc = store.get(session, nc_id)
        if nc is None:
            raise Refused("That NC no longer exists.")
        earlier_id = nc.possible_recurrence_of
        earlier = store.get(session, earlier_id) if earlier_id else None
        if earlier is None:
            raise already_done(session, nc, "whether this is a recurrence was already decided")
        versions.require_seen(session, nc, seen, RECORD_TYPE, nc.number, zone=ctx.settings.zone)
        if not store.set_recurrence(session, nc, seen, possible=None, linked=earlier_id if link else None, now=now):
            raise already_done(session, nc, "whether this is a recurrence was already decided")
        if link:
            event = write_trail(session, nc, user, now, "recurrence_linked", {}, {"recurrence_of": earlier.number})
            post_in_thread(
                session,
                nc,
                event,
                f":repeat: {mention(user)} linked {nc.number} as a recurrence of {earlier.number}.",
                now,
            )
            event = write_trail(session, earlier, user, now, "effectiveness_questioned", {}, {"recurred_as": nc.number})
            post_in_thread(
                session,
                earlier,
                event,
                f":warning: {nc.number} was linked as a recurrence of this NC: the effectiveness of its actions is in question again.",
                now,
            )
        else:
            event = write_trail(
                session, nc, user, now, "recurrence_dismissed", {}, {"not_a_recurrence_of": earlier.number}
            )
            post_in_thread(
                session, nc, event, f"{mention(user)} decided {nc.number} is not a recurrence of {earlier.number}.", now
            )
    return nc
