"""The equipment register's nudges and the outbox key of every message a calibration sends.

Every key of a piece of equipment starts `eq:<id>:`, so recording its calibration cancels all
its reminders at once. The templates are the outbox's unique constraint: they must never
change once released.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlmodel import Session

from bot.delivery.due import due_stage, manager_recipients, next_stage
from bot.delivery.keys import Key
from bot.delivery.nudges import Due, Look, MarkedSource
from bot.delivery.outbox import Nudge
from bot.equipment import blocks
from storage.models import MeasuringEquipment

# The owner's reminder of a calibration for a stage (ahead, on the day, overdue), with its button.
OWNER_REMINDER = Key("eq:{equipment}:{due:%Y%m%d}:{stage}")
# Each QMS manager, once the calibration is QMS_ESCALATE_AFTER_DAYS overdue.
MANAGER_ESCALATION = Key("eq:{equipment}:{due:%Y%m%d}:escalate:{manager}")
# Every reminder of one piece of equipment: what recording its calibration stops.
ALL_REMINDERS = Key("eq:{equipment}:")


def _about_equipment(session: Session, eq: MeasuringEquipment, now: datetime, settings: Any) -> Look:
    """The owner `QMS_CALIBRATION_NOTICE_DAYS` before the date, on it, then at the overdue
    cadence; the QMS managers once it is QMS_ESCALATE_AFTER_DAYS overdue. Equipment out of
    service or quarantined is not used, so nobody is chased about it (Home lists it)."""
    if eq.status != "in_use":
        return Look([], None)
    local_today = now.astimezone(settings.zone).date()
    escalate_on = eq.next_due + timedelta(days=settings.escalate_after_days)
    notice = [settings.calibration_notice_days]
    again = next_stage(eq.next_due, local_today, settings, escalate_on, before=notice)
    stage = due_stage(eq.next_due, local_today, settings, before=notice)
    if stage is None:
        return Look([], again)
    key = OWNER_REMINDER.key(equipment=eq.id, due=eq.next_due, stage=stage)
    due = [Due(key, partial(_calibration_due, key, eq, stage, local_today))]
    if local_today >= escalate_on:
        for manager in manager_recipients(settings):
            told = MANAGER_ESCALATION.key(equipment=eq.id, due=eq.next_due, manager=manager)
            due.append(Due(told, partial(_escalation, told, manager, eq, local_today)))
    return Look(due, again)


def _calibration_due(key: str, eq: MeasuringEquipment, stage: str, local_today: date) -> Nudge:
    reply = blocks.calibration_due(eq, stage, local_today)
    return Nudge(key, eq.owner, reply.text, reply.blocks, record_ref=eq.tag[:40], snoozable=True)


def _escalation(key: str, manager: str, eq: MeasuringEquipment, local_today: date) -> Nudge:
    told = blocks.escalation(eq, local_today)
    return Nudge(key, manager, told.text, told.blocks, record_ref=eq.tag[:40])


equipment_nudges = MarkedSource("equipment_nudges", MeasuringEquipment, _about_equipment)
