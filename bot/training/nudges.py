"""The training nudges: each person's card and reminders, the missing list after the due date.

Every outbox key of a training round is made by one of the Keys below. They are the
outbox's unique constraint in live databases: a template must never change once released.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.delivery.due import manager_recipients
from bot.delivery.keys import Key
from bot.delivery.outbox import Nudge
from bot.training import blocks
from storage import outbox as outbox_rows
from storage import trainings as store
from storage.models import TrainingAssignment, TrainingRound

PENDING_SHOWN = 30  # the longest list of people still to read it that a message shows

CARD = Key("tr:{training}:{person}:card")
REMINDER = Key("tr:{training}:{person}:remind-{count}")  # count: reminder periods since publishing
OVERDUE_LIST = Key("tr:{training}:overdue:{week}:{recipient}")  # week: whole weeks past the due date
QUESTION = Key("trq:{training}:{event}")  # event: the audit event of the question
# Everything sent to one person for a round (its card and reminders): stopped when they acknowledge.
TO_PERSON = Key("tr:{training}:{person}:")
# Everything of a round (not its questions): stopped when it is closed.
ALL = Key("tr:{training}:")


def card_key(training: TrainingRound, person: str) -> str:
    return CARD.key(training=training.id, person=person)


def training_nudges(session: Session, now: datetime, settings: Any) -> list[Nudge]:
    """Reminders to pending people; after the due date, the missing list to publisher and managers."""
    local_today = now.astimezone(settings.zone).date()
    existing: dict[int, set[str]] = {}
    pending_by_round: dict[int, tuple[TrainingRound, list[str]]] = {}
    nudges: list[Nudge] = []
    for assignment, training in store.pending_in_open_rounds(session):
        assert training.id is not None
        if training.id not in existing:
            existing[training.id] = outbox_rows.keys_with_prefix(session, ALL.prefix(training=training.id))
        pending_by_round.setdefault(training.id, (training, []))[1].append(assignment.person)
        reminder = _reminder(training, assignment, local_today, settings, existing[training.id])
        if reminder is not None:
            nudges.append(reminder)
    for training_id, (training, pending) in pending_by_round.items():
        nudges += _overdue_lists(training, pending, local_today, settings, existing[training_id])
    return nudges


def _reminder(
    training: TrainingRound, assignment: TrainingAssignment, local_today: date, settings: Any, existing: set[str]
) -> Nudge | None:
    """The reminder a pending person is due, every QMS_TRAINING_REMIND_EVERY_DAYS after publishing."""
    every = settings.training_remind_every_days
    days = (local_today - training.published_at.astimezone(settings.zone).date()).days
    if days < every:
        return None
    key = REMINDER.key(training=training.id, person=assignment.person, count=days // every)
    if key in existing:
        return None  # already queued: skip the insert attempt (a round may have thousands)
    reminder = blocks.reminder(training, assignment, local_today)
    # Not snoozable: the next reminder comes at the cadence anyway; a snoozed copy would only add one.
    return Nudge(key, assignment.person, reminder.text, reminder.blocks, record_ref=training.number)


def _overdue_lists(
    training: TrainingRound, pending: list[str], local_today: date, settings: Any, existing: set[str]
) -> list[Nudge]:
    """After the due date, once a week: who is still missing, to the publisher and the QMS managers."""
    days_over = (local_today - training.due_date).days
    if days_over < 1:
        return []
    overdue = blocks.overdue_list(training, pending, local_today, PENDING_SHOWN)
    nudges = []
    for recipient in dict.fromkeys([training.publisher, *manager_recipients(settings)]):
        key = OVERDUE_LIST.key(training=training.id, week=(days_over - 1) // 7, recipient=recipient)
        if key not in existing:
            nudges.append(Nudge(key, recipient, overdue.text, overdue.blocks, record_ref=training.number))
    return nudges
