"""The feedback nudges: the complaint owner's reminders until the customer is answered.

Every outbox key of a feedback entry is made by one of the Keys below. They are the
outbox's unique constraint in live databases: a template must never change once released.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from sqlmodel import Session

from bot.delivery.due import due_stage, next_stage
from bot.delivery.keys import Key
from bot.delivery.nudges import Due, Look, MarkedSource
from bot.delivery.outbox import Nudge
from bot.feedback import blocks
from storage.models import Feedback

CONFIRMATION = Key("fblog:{feedback}:logged")  # the logger's "thank you, logged as FB-…"
THREAD_NOTE = Key("fblog:{feedback}:{event}")  # a step told in the card's thread; event: its audit event
OWNER_ASSIGNED = Key("fb:{feedback}:assigned")
# Whoever logged a complaint hears it was answered, and resolved; response: the state it reached.
LOGGER_TOLD = Key("fbtold:{feedback}:{response}")
RESPOND_REMINDER = Key("fb:{feedback}:{respond_by:%Y%m%d}:{stage}")
# Everything to the complaint's owner: stopped once the customer has been answered.
ALL = Key("fb:{feedback}:")


def _about_complaint(session: Session, entry: Feedback, now: datetime, settings: Any) -> Look:
    """Remind a complaint's owner until the customer has been answered."""
    if entry.kind != "complaint" or entry.response != "received" or entry.respond_by is None or entry.owner is None:
        return Look([], None)
    local_today = now.astimezone(settings.zone).date()
    stage = due_stage(entry.respond_by, local_today, settings)
    due = []
    if stage:
        key = RESPOND_REMINDER.key(feedback=entry.id, respond_by=entry.respond_by, stage=stage)
        due.append(Due(key, partial(_respond_reminder, key, entry, stage)))
    return Look(due, next_stage(entry.respond_by, local_today, settings))


def _respond_reminder(key: str, entry: Feedback, stage: str) -> Nudge:
    note = blocks.respond_reminder(entry, stage)
    assert entry.owner is not None  # only owned complaints are reminded
    return Nudge(key, entry.owner, note.text, note.blocks, record_ref=entry.number, snoozable=True)


complaint_nudges = MarkedSource("complaint_nudges", Feedback, _about_complaint)
