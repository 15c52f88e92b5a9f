"""The feedback nudges: the complaint owner's reminders until the customer is answered.

Every outbox key of a feedback entry is made by one of the Keys below. They are the
outbox's unique constraint in live databases: a template must never change once released.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.delivery.due import due_stage
from bot.delivery.keys import Key
from bot.delivery.outbox import Nudge
from bot.feedback import blocks
from storage import feedback as store

CONFIRMATION = Key("fblog:{feedback}:logged")  # the logger's "thank you, logged as FB-…"
THREAD_NOTE = Key("fblog:{feedback}:{event}")  # a step told in the card's thread; event: its audit event
OWNER_ASSIGNED = Key("fb:{feedback}:assigned")
RESPOND_REMINDER = Key("fb:{feedback}:{respond_by:%Y%m%d}:{stage}")
# Everything to the complaint's owner: stopped once the customer has been answered.
ALL = Key("fb:{feedback}:")


def complaint_nudges(session: Session, now: datetime, settings: Any) -> list[Nudge]:
    """Remind a complaint's owner until the customer has been answered."""
    local_today = now.astimezone(settings.zone).date()
    nudges = []
    for entry in store.open_complaints(session, share_lock=True):
        if entry.response != "received" or entry.respond_by is None or entry.owner is None:
            continue
        stage = due_stage(entry.respond_by, local_today, settings)
        if stage:
            note = blocks.respond_reminder(entry, stage)
            nudges.append(
                Nudge(
                    RESPOND_REMINDER.key(feedback=entry.id, respond_by=entry.respond_by, stage=stage),
                    entry.owner,
                    note.text,
                    note.blocks,
                    record_ref=entry.number,
                    snoozable=True,
                )
            )
    return nudges
