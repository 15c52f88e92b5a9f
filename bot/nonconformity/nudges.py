"""The NC's outbox keys, one named `Key` each, and the nudge source the scheduler runs.

Every key an NC message is queued under, and every prefix that cancels them, is made here:
the keys are the outbox's unique constraint, so these templates never change once released.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlmodel import Session, col

from bot.delivery.due import due_stage, local_start, manager_recipients, stage_days
from bot.delivery.keys import Key
from bot.delivery.nudges import Due, Look, MarkedSource
from bot.delivery.outbox import Nudge
from bot.nonconformity import actions, asks
from bot.nonconformity.lifecycle import Status
from storage import nonconformities as store
from storage.models import CorrectiveAction, Nonconformity

# Everything queued about one NC (its own nudges; its actions' are under ACTION_ALL).
ALL = Key("nc:{nc}:")
OWNER_ASSIGNED = Key("nc:{nc}:assigned:{owner}")
OWNER_REMINDER = Key("nc:{nc}:owner:{due:%Y%m%d}:{stage}")
# The failed verifications are in the key: after a failed check the NC is escalated afresh.
ESCALATION = Key("nc:{nc}:escalate:{due:%Y%m%d}:{failed}:{manager}")
VERIFY_REQUEST = Key("nc:{nc}:verify:{done:%Y%m%d%H%M%S}:{manager}")
# Asked at once when the last action is done (the VERIFY_REQUEST reminder comes later).
VERIFY_NOW = Key("nc:{nc}:verify-now:{done:%Y%m%d%H%M%S}:{manager}")
# The NC owner asked to find the root cause again after a failed effectiveness check.
NOT_EFFECTIVE = Key("nc:{nc}:not-effective:{failed}")

# Everything queued about one corrective action: keys shared with every record's actions.
ACTION_ALL, ACTION_ASSIGNED = actions.ACTION_ALL, actions.ACTION_ASSIGNED
ACTION_REMINDER, ACTION_ESCALATION = actions.ACTION_REMINDER, actions.ACTION_ESCALATION

# Hand-offs told to the next person: kept when the NC's nudges stop (a close must not swallow them).
TOLD_ACTION_DONE = Key("nctell:{nc}:done:{action}")
TOLD_OUTCOME = Key("nctell:{nc}:outcome:{status}")

# The card's thread and the reporter's confirmation: the log of what happened.
RAISED_CONFIRMATION = Key("nclog:{nc}:raised")
THREAD_POST = Key("nclog:{nc}:{event}")

OWNER_STEPS = (Status.OPEN, Status.CONTAINED, Status.ROOT_CAUSE_FOUND, Status.ACTIONS_PLANNED)


def _about_nc(session: Session, nc: Nonconformity, now: datetime, settings: Any) -> Look:
    """The owner's reminder and the managers' escalation while the owner has the next step;
    the request to verify once the actions have been done long enough to tell."""
    local_today = now.astimezone(settings.zone).date()
    escalate_to = manager_recipients(settings)
    status = Status(nc.status)
    due: list[Due] = []
    days: list[date | None] = []
    if status in OWNER_STEPS:
        stage = due_stage(nc.due_date, local_today, settings)
        if stage:
            key = OWNER_REMINDER.key(nc=nc.id, due=nc.due_date, stage=stage)
            due.append(Due(key, partial(_owner_reminder, key, nc, stage, local_today)))
        escalate_on = nc.due_date + timedelta(days=settings.escalate_after_days)
        if local_today >= escalate_on:
            for manager in escalate_to:
                key = ESCALATION.key(nc=nc.id, due=nc.due_date, failed=nc.failed_verifications, manager=manager)
                due.append(Due(key, partial(_escalation, key, manager, nc, None, local_today)))
        days = [*stage_days(nc.due_date, local_today, settings), escalate_on]
    again = local_start(days, local_today, settings.zone)
    if status is Status.ACTIONS_DONE and nc.actions_done_at:
        verify_at = nc.actions_done_at + timedelta(days=settings.verify_after_days)
        if now < verify_at:
            again = verify_at
        done = store.actions_of(session, nc.id) if now >= verify_at and nc.id else []
        for manager in escalate_to if now >= verify_at else []:
            key = VERIFY_REQUEST.key(nc=nc.id, done=nc.actions_done_at, manager=manager)
            due.append(Due(key, partial(_verify_request, key, manager, nc, done)))
    return Look(due, again)


def _owner_reminder(key: str, nc: Nonconformity, stage: str, local_today: date) -> Nudge:
    reply = asks.nc_reminder(nc, stage, local_today)
    return Nudge(key, nc.owner, reply.text, reply.blocks, record_ref=nc.number, snoozable=True)


def _escalation(key: str, manager: str, nc: Nonconformity, action: CorrectiveAction | None, local_today: date) -> Nudge:
    reply = asks.escalation(nc, action, local_today)
    return Nudge(key, manager, reply.text, reply.blocks, record_ref=nc.number)


def _verify_request(key: str, manager: str, nc: Nonconformity, actions: list[CorrectiveAction]) -> Nudge:
    reply = asks.verification_due(nc, actions, manager)
    return Nudge(key, manager, reply.text, reply.blocks, record_ref=nc.number, snoozable=True)


def _about_action(session: Session, item: tuple[CorrectiveAction, Nonconformity], now: datetime, settings: Any) -> Look:
    """The action owner's reminder, and the managers' escalation once it is long overdue
    (the same for every record's actions: bot.nonconformity.actions)."""
    action, nc = item
    return actions.look(action, actions.of_nc(nc), now, settings)


# Reminders for NC owners and action owners, escalations, and verification requests.
nc_nudges = (
    MarkedSource("nc_nudges", Nonconformity, _about_nc),
    MarkedSource(
        "nc_action_nudges",
        CorrectiveAction,
        _about_action,
        parent=Nonconformity,
        on=col(Nonconformity.id) == col(CorrectiveAction.nc_id),
    ),
)
