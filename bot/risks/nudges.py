"""The risk register's outbox keys and nudge sources: review reminders and escalations, and
the reminders of its treatment actions (the NC package's action machinery, one for both).

Every key of a risk's own messages starts `rk:<id>:`; the templates are the outbox's unique
constraint, so they never change once released.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlmodel import Session, col

from bot import nonconformity as nc
from bot.delivery.due import due_stage, manager_recipients, next_stage
from bot.delivery.keys import Key
from bot.delivery.nudges import Due, Look, MarkedSource
from bot.delivery.outbox import Nudge
from bot.risks import blocks
from storage.models import CorrectiveAction
from storage.models_risks import Risk

# The owner's review reminder: on the review date, then every QMS_OVERDUE_EVERY_DAYS.
REVIEW_REMINDER = Key("rk:{risk}:review:{due:%Y%m%d}:{stage}")
# Each QMS manager, once the review is QMS_ESCALATE_AFTER_DAYS overdue.
ESCALATION = Key("rk:{risk}:escalate:{due:%Y%m%d}:{manager}")
OWNER_ASSIGNED = Key("rk:{risk}:assigned:{owner}")
# What recording a review (or a new review date) stops: its reminders and escalations.
REVIEW_ALL = Key("rk:{risk}:review:")
ESCALATION_ALL = Key("rk:{risk}:escalate:")
# The card's thread and the reporter's confirmation.
RAISED_CONFIRMATION = Key("rklog:{risk}:raised")
THREAD_POST = Key("rklog:{risk}:{event}")


def _about_risk(session: Session, risk: Risk, now: datetime, settings: Any) -> Look:
    if risk.status == "closed":
        return Look([], None)
    local_today = now.astimezone(settings.zone).date()
    escalate_on = risk.review_date + timedelta(days=settings.escalate_after_days)
    again = next_stage(risk.review_date, local_today, settings, escalate_on, before=[])
    stage = due_stage(risk.review_date, local_today, settings, before=[])
    if stage is None:
        return Look([], again)
    key = REVIEW_REMINDER.key(risk=risk.id, due=risk.review_date, stage=stage)
    due = [Due(key, partial(_review_due, key, risk, stage))]
    if local_today >= escalate_on:
        for manager in manager_recipients(settings):
            told = ESCALATION.key(risk=risk.id, due=risk.review_date, manager=manager)
            due.append(Due(told, partial(_escalation, told, manager, risk, local_today)))
    return Look(due, again)


def _review_due(key: str, risk: Risk, stage: str) -> Nudge:
    reply = blocks.review_due(risk, stage)
    return Nudge(key, risk.owner, reply.text, reply.blocks, record_ref=risk.number, snoozable=True)


def _escalation(key: str, manager: str, risk: Risk, today: date) -> Nudge:
    reply = blocks.escalation(risk, today)
    return Nudge(key, manager, reply.text, reply.blocks, record_ref=risk.number)


def _about_action(session: Session, item: tuple[CorrectiveAction, Risk], now: datetime, settings: Any) -> Look:
    action, risk = item
    return nc.look_at_held_action(action, blocks.holder(risk), now, settings)


risk_nudges = (
    MarkedSource("risk_nudges", Risk, _about_risk),
    MarkedSource(
        "risk_action_nudges",
        CorrectiveAction,
        _about_action,
        parent=Risk,
        on=col(Risk.id) == col(CorrectiveAction.risk_id),
    ),
)
