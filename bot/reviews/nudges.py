"""What the bot sends about management reviews, and the outbox key of each kind of message.

The keys are the outbox's unique constraint: each template below must never change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache, partial
from typing import Any

from sqlmodel import Session, col

from bot.delivery.due import due_stage, manager_recipients, next_stage
from bot.delivery.keys import Key
from bot.delivery.nudges import Due, Look, MarkedSource
from bot.delivery.outbox import Nudge
from bot.reviews import blocks
from bot.reviews.pack import compile_pack
from bot.surfaces.mrkdwn import is_user_id
from storage.models_programme import ManagementReview, ReviewAction

# Everything still to send about a planned review (its packs and record reminders): stopped
# when it is held or cancelled.
REVIEW_ALL = Key("mr:{review}:")
# The input pack, one per attendee and planned date.
PACK = Key("mr:{review}:pack:{planned:%Y%m%d}:{person}")
# A reminder to the QMS managers to record a review whose date has passed.
RECORD_REMINDER = Key("mr:{review}:record:{stage}:{manager}")
# Told once: the invitation when scheduled, the outcome when held (not cancelled with the review).
INVITED = Key("mrlog:{review}:invited:{person}")
HELD = Key("mrlog:{review}:held:{person}")
# Everything still to send about one output action: stopped when it is done.
ACTION_ALL = Key("mra:{action}:")
ACTION_ASSIGNED = Key("mra:{action}:assigned")
ACTION_REMINDER = Key("mra:{action}:{due:%Y%m%d}:{stage}")


def _about_review(session: Session, review: ManagementReview, now: datetime, settings: Any) -> Look:
    """The input pack to each attendee QMS_REVIEW_PACK_DAYS ahead; a reminder to record the
    meeting after it."""
    if review.status != "planned":
        return Look([], None)
    local_today = now.astimezone(settings.zone).date()
    days_left = (review.planned_date - local_today).days
    pack_from = review.planned_date - timedelta(days=settings.review_pack_days)
    again = next_stage(review.planned_date, local_today, settings, pack_from, before=[])
    due: list[Due] = []
    if 0 <= days_left <= settings.review_pack_days:
        # Compiled once, when first due (not for every attendee); the key holds it to one pack per attendee and date.
        compiled = cache(lambda: compile_pack(session, settings, review, local_today))
        # The QMS manager who scheduled it gets it too, attending or not: it is theirs to record.
        for person in dict.fromkeys([*review.attendees, review.scheduled_by]):
            # Nudges run without Slack at hand: managers given as a user group are not known
            # here, and record from the reminder in the QMS channel instead.
            records = person == review.scheduled_by or person in settings.manager_ids
            key = PACK.key(review=review.id, planned=review.planned_date, person=person)
            due.append(Due(key, partial(_pack, key, person, review, compiled, records)))
    elif days_left < 0:
        stage = due_stage(review.planned_date, local_today, settings)
        for manager in dict.fromkeys([review.scheduled_by, *manager_recipients(settings)]):
            key = RECORD_REMINDER.key(review=review.id, stage=stage, manager=manager)
            due.append(Due(key, partial(_record_overdue, key, manager, review)))
    return Look(due, again)


def _pack(key: str, person: str, review: ManagementReview, compiled: Callable[[], Any], records: bool) -> Nudge:
    """One person's pack: with the button to record the meeting when they may (`records`)."""
    pack = blocks.pack(compiled(), manager=records)
    return Nudge(key, person, pack.text, pack.blocks, record_ref=review.number)


def _record_overdue(key: str, manager: str, review: ManagementReview) -> Nudge:
    reply = blocks.record_overdue(review, to_channel=not is_user_id(manager))
    return Nudge(key, manager, reply.text, reply.blocks, record_ref=review.number)


def _about_action(session: Session, item: tuple[ReviewAction, ManagementReview], now: datetime, settings: Any) -> Look:
    """An output action's owner before, on and after its due date."""
    action, review = item
    if action.status != "open":
        return Look([], None)
    local_today = now.astimezone(settings.zone).date()
    stage = due_stage(action.due_date, local_today, settings)
    due = []
    if stage:
        key = ACTION_REMINDER.key(action=action.id, due=action.due_date, stage=stage)
        due.append(Due(key, partial(_action_reminder, key, review, action, stage, local_today)))
    return Look(due, next_stage(action.due_date, local_today, settings))


def _action_reminder(key: str, review: ManagementReview, action: ReviewAction, stage: str, local_today: date) -> Nudge:
    reply = blocks.action_reminder(review, action, stage, local_today)
    return Nudge(key, action.owner, reply.text, reply.blocks, record_ref=review.number, snoozable=True)


review_nudges = (
    MarkedSource("review_nudges", ManagementReview, _about_review),
    MarkedSource(
        "review_action_nudges",
        ReviewAction,
        _about_action,
        parent=ManagementReview,
        on=col(ManagementReview.id) == col(ReviewAction.review_id),
    ),
)
