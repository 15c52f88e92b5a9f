"""The equipment register's nudges and the outbox key of every message a calibration sends.

Every key of a piece of equipment starts `eq:<id>:`, so recording its calibration cancels all
its reminders at once. The templates are the outbox's unique constraint: they must never
change once released.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.delivery.keys import Key
from bot.delivery.nudges import DatedReminders, Look, MarkedSource, dated_look
from bot.delivery.outbox import Nudge
from bot.equipment import blocks
from storage.models import MeasuringEquipment

# The owner's reminder of a calibration for a stage (ahead, on the day, overdue), with its button.
OWNER_REMINDER = Key("eq:{equipment}:{due:%Y%m%d}:{stage}")
# Each QMS manager, once the calibration is QMS_ESCALATE_AFTER_DAYS overdue.
MANAGER_ESCALATION = Key("eq:{equipment}:{due:%Y%m%d}:escalate:{manager}")
# Every reminder of one piece of equipment: what recording its calibration stops.
ALL_REMINDERS = Key("eq:{equipment}:")


REMINDERS = DatedReminders(OWNER_REMINDER, MANAGER_ESCALATION, "equipment")


def _about_equipment(session: Session, eq: MeasuringEquipment, now: datetime, settings: Any) -> Look:
    """The owner `QMS_CALIBRATION_NOTICE_DAYS` before the date, on it, then at the overdue
    cadence; the QMS managers once it is QMS_ESCALATE_AFTER_DAYS overdue. Equipment out of
    service or quarantined is not used, so nobody is chased about it (Home lists it)."""
    if eq.status != "in_use":
        return Look([], None)
    return dated_look(
        REMINDERS,
        eq.id,
        eq.next_due,
        now,
        settings,
        settings.calibration_notice_days,
        lambda key, stage, today: _calibration_due(key, eq, stage, today),
        lambda key, manager, today: _escalation(key, manager, eq, today),
    )


def _calibration_due(key: str, eq: MeasuringEquipment, stage: str, local_today: date) -> Nudge:
    reply = blocks.calibration_due(eq, stage, local_today)
    return Nudge(key, eq.owner, reply.text, reply.blocks, record_ref=eq.tag[:40], snoozable=True)


def _escalation(key: str, manager: str, eq: MeasuringEquipment, local_today: date) -> Nudge:
    told = blocks.escalation(eq, local_today)
    return Nudge(key, manager, told.text, told.blocks, record_ref=eq.tag[:40])


equipment_nudges = MarkedSource("equipment_nudges", MeasuringEquipment, _about_equipment)
