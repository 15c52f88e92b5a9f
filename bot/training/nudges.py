"""The training nudges: each person's card and reminders, the missing list after the due date.

Every outbox key of a training round is made by one of the Keys below. They are the
outbox's unique constraint in live databases: a template must never change once released.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache, partial
from typing import Any

from sqlmodel import Session, col

from bot.delivery.due import add_months, local_start, manager_recipients
from bot.delivery.keys import Key
from bot.delivery.nudges import Due, Look, MarkedSource
from bot.delivery.outbox import Nudge
from bot.training import blocks
from storage import competence as competence_store
from storage import trainings as store
from storage.models import TrainingAssignment, TrainingRound

PENDING_SHOWN = 30  # the longest list of people still to read it that a message shows

CARD = Key("tr:{training}:{person}:card")
REMINDER = Key("tr:{training}:{person}:remind-{count}")  # count: reminder periods since publishing
OVERDUE_LIST = Key("tr:{training}:overdue:{week}:{recipient}")  # week: whole weeks past the due date
QUESTION = Key("trq:{training}:{event}")  # event: the audit event of the question
# The publisher's "everyone has read it": outside ALL, so closing the round does not withdraw it.
COMPLETED = Key("trdone:{training}")
# When an acknowledgement expires (a role's requirement renews it, bot.competence): the person
# is asked again, then reminded; `acked` is the acknowledgement that expired.
RENEWAL = Key("tr:{training}:{person}:renew-{acked:%Y%m%d}:card")
RENEWAL_REMINDER = Key("tr:{training}:{person}:renew-{acked:%Y%m%d}:remind-{count}")
# Everything sent to one person for a round (its card and reminders): stopped when they acknowledge.
TO_PERSON = Key("tr:{training}:{person}:")
# Everything of a round (not its questions): stopped when it is closed.
ALL = Key("tr:{training}:")


def card_key(training: TrainingRound, person: str) -> str:
    return CARD.key(training=training.id, person=person)


def _about_assignment(
    session: Session, item: tuple[TrainingAssignment, TrainingRound], now: datetime, settings: Any
) -> Look:
    """A pending person's reminder, every QMS_TRAINING_REMIND_EVERY_DAYS after publishing; and,
    after the due date, the round's missing list if this week's is not out (a person added late
    makes a round that had none missing again)."""
    assignment, training = item
    if assignment.status == "acknowledged":
        return _renewal(session, assignment, training, now, settings)
    if training.status != "open":
        return Look([], None)
    local_today = now.astimezone(settings.zone).date()
    every = settings.training_remind_every_days
    published = training.published_at.astimezone(settings.zone).date()
    days = (local_today - published).days
    due = _overdue_lists(session, training, local_today, settings)
    if days >= every:
        key = REMINDER.key(training=training.id, person=assignment.person, count=days // every)
        due.append(Due(key, partial(_reminder, key, training, assignment, local_today)))
    reminded = max(days, 0) // every  # reminder periods so far
    return Look(due, local_start([published + timedelta(days=(reminded + 1) * every)], local_today, settings.zone))


def renewal_due_on(session: Session, assignment: TrainingAssignment, training: TrainingRound, zone: Any) -> date | None:
    """When an acknowledgement of the document's current revision must be renewed (a role
    requires it every N months); None when nothing renews it or the revision is superseded."""
    months = competence_store.renew_months(session, training.doc_key)
    if not months or assignment.acknowledged_at is None:
        return None
    if competence_store.latest_round_id(session, training.doc_key) != training.id:
        return None  # a newer revision was published: that round asks for it
    return add_months(assignment.acknowledged_at.astimezone(zone).date(), months)


def _renewal(
    session: Session, assignment: TrainingAssignment, training: TrainingRound, now: datetime, settings: Any
) -> Look:
    """An acknowledgement that expired: the person's card again, then a reminder every
    QMS_TRAINING_REMIND_EVERY_DAYS until they renew it; looked at again on the day it expires."""
    local_today = now.astimezone(settings.zone).date()
    expires = renewal_due_on(session, assignment, training, settings.zone)
    if expires is None:
        return Look([], None)
    if local_today < expires:
        return Look([], local_start([expires], local_today, settings.zone))
    assert assignment.acknowledged_at is not None  # renewal_due_on said so
    acked = assignment.acknowledged_at.astimezone(settings.zone).date()
    key = RENEWAL.key(training=training.id, person=assignment.person, acked=acked)
    due = [Due(key, partial(_renewal_card, key, training, assignment, expires, None))]
    every = settings.training_remind_every_days
    count = (local_today - expires).days // every
    if count >= 1:
        told = RENEWAL_REMINDER.key(training=training.id, person=assignment.person, acked=acked, count=count)
        due.append(Due(told, partial(_renewal_card, told, training, assignment, expires, local_today)))
    return Look(due, local_start([expires + timedelta(days=(count + 1) * every)], local_today, settings.zone))


def _renewal_card(
    key: str, training: TrainingRound, assignment: TrainingAssignment, expired: date, reminded: date | None
) -> Nudge:
    card = blocks.renewal_card(training, assignment, expired, reminded)
    return Nudge(key, assignment.person, card.text, card.blocks, record_ref=training.number)


def _reminder(key: str, training: TrainingRound, assignment: TrainingAssignment, local_today: date) -> Nudge:
    reminder = blocks.reminder(training, assignment, local_today)
    # Not snoozable: the next reminder comes at the cadence anyway; a snoozed copy would only add one.
    return Nudge(key, assignment.person, reminder.text, reminder.blocks, record_ref=training.number)


def _about_round(session: Session, training: TrainingRound, now: datetime, settings: Any) -> Look:
    """After the due date, once a week: who is still missing, to the publisher and the QMS managers."""
    if training.status != "open":
        return Look([], None)
    local_today = now.astimezone(settings.zone).date()
    days_over = (local_today - training.due_date).days
    weeks = (days_over - 1) // 7 + 1 if days_over >= 1 else 0  # missing lists so far
    next_list = training.due_date + timedelta(days=1 + 7 * weeks)
    return Look(
        _overdue_lists(session, training, local_today, settings), local_start([next_list], local_today, settings.zone)
    )


def _overdue_lists(session: Session, training: TrainingRound, local_today: date, settings: Any) -> list[Due]:
    """This week's missing list to each recipient, if the due date has passed and someone is missing."""
    days_over = (local_today - training.due_date).days
    if days_over < 1:
        return []
    assert training.id is not None

    @cache
    def pending() -> list[str]:
        return [a.person for a in store.people(session, training.id, "pending")]  # type: ignore[arg-type]

    def build(key: str, recipient: str) -> Nudge | None:
        if not pending():
            return None
        overdue = blocks.overdue_list(training, pending(), local_today, PENDING_SHOWN)
        return Nudge(key, recipient, overdue.text, overdue.blocks, record_ref=training.number)

    recipients = dict.fromkeys([training.publisher, *manager_recipients(settings)])
    keys = {r: OVERDUE_LIST.key(training=training.id, week=(days_over - 1) // 7, recipient=r) for r in recipients}
    return [Due(key, partial(build, key, r)) for r, key in keys.items()]


# Reminders to pending people; after the due date, the missing list to publisher and managers.
training_nudges = (
    MarkedSource(
        "training_nudges",
        TrainingAssignment,
        _about_assignment,
        parent=TrainingRound,
        on=col(TrainingRound.id) == col(TrainingAssignment.round_id),
    ),
    MarkedSource("training_round_nudges", TrainingRound, _about_round),
)
