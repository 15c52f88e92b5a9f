"""What the bot sends about management reviews, and the outbox key of each kind of message.

The keys are the outbox's unique constraint: each template below must never change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.delivery.due import due_stage, manager_recipients
from bot.delivery.keys import Key
from bot.delivery.outbox import Nudge
from bot.reviews import blocks
from bot.reviews.pack import compile_pack
from storage import outbox as outbox_rows
from storage import reviews as store

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


def review_nudges(session: Session, now: datetime, settings: Any) -> list[Nudge]:
    """The input pack to each attendee QMS_REVIEW_PACK_DAYS ahead; a reminder to record the
    meeting after it; output actions before, on and after their due dates."""
    local_today = now.astimezone(settings.zone).date()
    nudges: list[Nudge] = []
    for review in store.planned(session, share_lock=True):
        days_left = (review.planned_date - local_today).days
        if 0 <= days_left <= settings.review_pack_days:
            # Compiled once, when first due (not on every tick); the key holds it to one pack per attendee and date.
            queued = outbox_rows.keys_with_prefix(session, PACK.prefix(review=review.id, planned=review.planned_date))
            keys = {p: PACK.key(review=review.id, planned=review.planned_date, person=p) for p in review.attendees}
            missing = [p for p in review.attendees if keys[p] not in queued]
            if missing:
                pack = blocks.pack(compile_pack(session, settings, review, local_today))
                nudges += [
                    Nudge(keys[person], person, pack.text, pack.blocks, record_ref=review.number) for person in missing
                ]
        elif days_left < 0:
            stage = due_stage(review.planned_date, local_today, settings)
            reply = blocks.record_overdue(review)
            for manager in dict.fromkeys([review.scheduled_by, *manager_recipients(settings)]):
                nudges.append(
                    Nudge(
                        RECORD_REMINDER.key(review=review.id, stage=stage, manager=manager),
                        manager,
                        reply.text,
                        reply.blocks,
                        record_ref=review.number,
                    )
                )
    for action, review in store.open_actions(session, share_lock=True):
        stage = due_stage(action.due_date, local_today, settings)
        if stage:
            reply = blocks.action_reminder(review, action, stage, local_today)
            nudges.append(
                Nudge(
                    ACTION_REMINDER.key(action=action.id, due=action.due_date, stage=stage),
                    action.owner,
                    reply.text,
                    reply.blocks,
                    record_ref=review.number,
                    snoozable=True,
                )
            )
    return nudges
