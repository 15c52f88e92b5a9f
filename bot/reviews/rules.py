"""The steps of a management review, each in one transaction: schedule, cancel, record, complete an action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from sqlmodel import Session

from bot.delivery import versions
from bot.delivery.due import add_months, manager_recipients
from bot.delivery.outbox import Nudge, enqueue
from bot.delivery.planned import Cancellable, cancel_planned
from bot.errors import NotAllowed, Refused
from bot.reviews import blocks
from bot.reviews.forms import Minutes, Schedule
from bot.reviews.nudges import ACTION_ALL, ACTION_ASSIGNED, HELD, INVITED, REVIEW_ALL
from bot.submissions import Submission, claim, record_made
from bot.surfaces.mrkdwn import mention
from bot.workspace.roles import Role
from storage import outbox as outbox_rows
from storage import reviews as store
from storage.audit import record_change
from storage.models import ManagementReview, ReviewAction
from storage.sequences import next_number

if TYPE_CHECKING:
    from bot.context import Context

RECORD_TYPE = "management_review"


def review_of(session: Session, review_id: int) -> ManagementReview:
    review = store.get(session, review_id)
    if review is None:
        raise Refused("That management review no longer exists; `/review list` shows them.")
    return review


# --- scheduling ------------------------------------------------------------------------------------


def _plan(
    session: Session,
    ctx: Context,
    user: str,
    s: Schedule,
    previous: ManagementReview | None,
    now: datetime,
    managers: set[str],
) -> ManagementReview:
    """`managers`: the attendees who are QMS managers (asked before the transaction), whose
    invitation carries the button to record the meeting."""
    review = store.add(
        session,
        ManagementReview(
            number=next_number(session, "MR", s.planned_date.year),
            planned_date=s.planned_date,
            attendees=s.attendees,
            recurrence=s.recurrence,
            scheduled_by=user,
            scheduled_at=now,
            previous_id=previous.id if previous else None,
        ),
    )
    record_change(
        session,
        at=now,
        actor=user,
        record_type=RECORD_TYPE,
        record_ref=review.number,
        action="scheduled",
        after={
            "planned_date": review.planned_date.isoformat(),
            "attendees": review.attendees,
            "recurrence": review.recurrence,
            "previous": previous.number if previous else None,
        },
    )
    for person in review.attendees:
        note = blocks.scheduled_note(review, ctx.settings.review_pack_days, manager=person in managers)
        key = INVITED.key(review=review.id, person=person)
        enqueue(session, Nudge(key, person, note.text, note.blocks, record_ref=review.number), now)
    return review


def schedule(ctx: Context, user: str, s: Schedule, submission: Submission | None = None) -> ManagementReview:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="schedule management reviews")
    managers = managers_among(ctx, s.attendees)
    now = ctx.clock.now()
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now)
        review = _plan(session, ctx, user, s, None, now, managers)
        record_made(session, submission, review.number)
        return review


def managers_among(ctx: Context, people: list[str]) -> set[str]:
    """Who of `people` are QMS managers. With managers given as a user group this may ask
    Slack: call it before any transaction."""
    return {p for p in people if ctx.roles.is_manager(p)}


CANCELLABLE = Cancellable[ManagementReview](
    record_type=RECORD_TYPE,
    doing="cancel management reviews",
    listed="`/review list` shows the reviews",
    find=store.by_number,
    move=store.move,
    closing=lambda reason, by, at: {"minutes": reason, "recorded_by": by, "recorded_at": at},
    reminders=lambda review: REVIEW_ALL.prefix(review=review.id),
)


def cancel(ctx: Context, user: str, number: str, reason: str) -> ManagementReview:
    """Cancel a planned review (planned in error, or replaced): its pack and reminders stop."""
    return cancel_planned(ctx, CANCELLABLE, user, number, reason)


# --- recording the meeting ---------------------------------------------------------------------------


@dataclass
class Held:
    review: ManagementReview
    actions: list[ReviewAction]
    successor: ManagementReview | None


def record(
    ctx: Context, review_id: int, user: str, m: Minutes, seen: int | None = None, submission: Submission | None = None
) -> Held:
    """Record the meeting once: `seen` is the review's version its form was opened for."""
    ctx.roles.require(user, Role.QMS_MANAGER, doing="record management reviews")
    with ctx.db.session() as session:
        managers = review_of(session, review_id).attendees  # for the successor's invitations
    managers = list(managers_among(ctx, managers))
    now = ctx.clock.now()
    zone = ctx.settings.zone
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now)
        review = review_of(session, review_id)
        record_made(session, submission, review.number)
        versions.require_seen(session, review, seen, RECORD_TYPE, review.number, zone=zone)
        if not store.move(
            session,
            review,
            "planned",
            seen,
            status="held",
            held_on=m.held_on,
            minutes=m.minutes,
            recorded_by=user,
            recorded_at=now,
        ):
            raise versions.already_done(session, RECORD_TYPE, review.number, zone=zone)
        outbox_rows.cancel_pending(session, REVIEW_ALL.prefix(review=review.id))
        acts = store.add_actions(session, review.id or 0, m.actions)
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=review.number,
            action="held",
            before={"status": "planned"},
            after={
                "status": "held",
                "held_on": m.held_on.isoformat(),
                "actions": [
                    {"seq": a.seq, "description": a.description, "owner": a.owner, "due_date": a.due_date.isoformat()}
                    for a in acts
                ],
            },
            note=m.minutes,
        )
        successor = _plan_successor(session, ctx, user, review, m, now, set(managers))
        _tell_held(session, ctx, review, acts, successor, now)
        return Held(review, acts, successor)


def _plan_successor(
    session: Session, ctx: Context, user: str, review: ManagementReview, m: Minutes, now: datetime, managers: set[str]
) -> ManagementReview | None:
    months = blocks.RECURRENCE_MONTHS[review.recurrence]
    if not months:
        return None
    # Counted from the date planned, so the cycle keeps its rhythm when one meeting slips.
    nxt = max(add_months(review.planned_date, months), m.held_on + timedelta(days=1))
    return _plan(session, ctx, user, Schedule(nxt, list(review.attendees), review.recurrence), review, now, managers)


def _tell_held(
    session: Session,
    ctx: Context,
    review: ManagementReview,
    acts: list[ReviewAction],
    successor: ManagementReview | None,
    now: datetime,
) -> None:
    """The outcome to the attendees and the QMS managers; each output action to its owner."""
    told = blocks.held_note(review, acts, successor)
    for person in dict.fromkeys([*review.attendees, *manager_recipients(ctx.settings)]):
        key = HELD.key(review=review.id, person=person)
        enqueue(session, Nudge(key, person, told.text, told.blocks, record_ref=review.number), now)
    for a in acts:
        note = blocks.action_assigned(review, a)
        key = ACTION_ASSIGNED.key(action=a.id)
        enqueue(session, Nudge(key, a.owner, note.text, note.blocks, record_ref=review.number), now)


# --- output actions ------------------------------------------------------------------------------------


def action_of(session: Session, action_id: int) -> tuple[ReviewAction, ManagementReview]:
    action = store.action(session, action_id)
    if action is None:
        raise Refused("That action no longer exists.")
    return action, review_of(session, action.review_id)


def may_complete(action: ReviewAction, review: ManagementReview, user: str, manager: bool) -> None:
    """Refused unless `user` may mark the action done now: its owner or a QMS manager, while it is open."""
    if user != action.owner and not manager:
        raise NotAllowed(
            f"Only the owner of {review.number}/A{action.seq} ({mention(action.owner)}) or a QMS manager can mark it done."
        )
    if action.status == "done":
        raise Refused(
            f"Already done by {mention(action.done_by or '')}: {review.number}/A{action.seq}. Nothing was changed."
        )


def require_seen_action(
    session: Session, ctx: Context, action: ReviewAction, review: ManagementReview, seen: int | None
) -> None:
    """An action's button or form drawn for an older version changes nothing; who changed it is told."""
    versions.require_seen(
        session,
        action,
        seen,
        RECORD_TYPE,
        review.number,
        zone=ctx.settings.zone,
        concerning=lambda e: (e.after or {}).get("action") == f"A{action.seq}",
        name=f"{review.number}/A{action.seq}",
    )


class ActionDone(NamedTuple):
    action: ReviewAction
    review: ManagementReview


def complete_action(
    ctx: Context,
    action_id: int,
    user: str,
    evidence: str,
    seen: int | None = None,
    submission: Submission | None = None,
) -> ActionDone:
    """Open → done once; `seen` is the action's version its form was opened for."""
    now = ctx.clock.now()
    manager = ctx.roles.is_manager(user)
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now)
        action, review = action_of(session, action_id)
        record_made(session, submission, review.number)
        may_complete(action, review, user, manager)
        require_seen_action(session, ctx, action, review, seen)
        if not store.complete_action(session, action, seen, by=user, at=now, evidence=evidence):
            session.refresh(action)
            raise Refused(
                f"Already done by {mention(action.done_by or '')}: {review.number}/A{action.seq}. Nothing was changed."
            )
        outbox_rows.cancel_pending(session, ACTION_ALL.prefix(action=action.id))
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=review.number,
            action="action_done",
            before={"action": f"A{action.seq}", "status": "open"},
            after={"action": f"A{action.seq}", "status": "done", "evidence": evidence},
        )
        return ActionDone(action, review)
