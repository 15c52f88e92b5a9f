"""The supplier register's nudges and the outbox key of every message it sends.

Every evaluation reminder of a supplier starts `sup:<id>:`, so recording its evaluation
cancels them all at once; the alert on an NC raised against a blocked or conditional
supplier has its own prefix, which an evaluation leaves alone. The templates are the
outbox's unique constraint: they must never change once released.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.delivery.due import manager_recipients
from bot.delivery.keys import Key
from bot.delivery.nudges import DatedReminders, Look, MarkedSource, dated_look
from bot.delivery.outbox import Nudge
from bot.suppliers import blocks
from storage.models_suppliers import Supplier

# The owner's reminder of an evaluation for a stage (ahead, on the day, overdue), with its button.
OWNER_REMINDER = Key("sup:{supplier}:{due:%Y%m%d}:{stage}")
# Each QMS manager, once the evaluation is QMS_ESCALATE_AFTER_DAYS overdue.
MANAGER_ESCALATION = Key("sup:{supplier}:{due:%Y%m%d}:escalate:{manager}")
# Every reminder of one supplier's evaluation: what recording it stops.
ALL_REMINDERS = Key("sup:{supplier}:")
# Each QMS manager, when an NC is raised against a supplier that is blocked or conditional.
NC_ALERT = Key("supnc:{nc}:{manager}")


REMINDERS = DatedReminders(OWNER_REMINDER, MANAGER_ESCALATION, "supplier")


def _about_supplier(session: Session, supplier: Supplier, now: datetime, settings: Any) -> Look:
    """The owner ahead of an evaluation (QMS_SUPPLIER_NOTICE_DAYS), on the day, then at the
    overdue cadence; the QMS managers once it is QMS_ESCALATE_AFTER_DAYS overdue."""
    return dated_look(
        REMINDERS,
        supplier.id,
        supplier.next_evaluation,
        now,
        settings,
        settings.supplier_notice_days,
        lambda key, stage, today: _evaluation_due(key, supplier, stage, today),
        lambda key, manager, today: _escalation(key, manager, supplier, today),
    )


def _evaluation_due(key: str, supplier: Supplier, stage: str, local_today: date) -> Nudge:
    reply = blocks.evaluation_due(supplier, stage, local_today)
    return Nudge(key, supplier.owner, reply.text, reply.blocks, record_ref=blocks.ref(supplier), snoozable=True)


def _escalation(key: str, manager: str, supplier: Supplier, local_today: date) -> Nudge:
    told = blocks.escalation(supplier, local_today)
    return Nudge(key, manager, told.text, told.blocks, record_ref=blocks.ref(supplier))


def nc_alerts(supplier: Supplier, nc_id: int, number: str, title: str, reporter: str, settings: Any) -> list[Nudge]:
    """What raising an NC against a supplier sends: one DM per QMS manager when it is not approved."""
    if supplier.status == "approved":
        return []
    reply = blocks.nc_alert(number, title, supplier, reporter)
    return [
        Nudge(NC_ALERT.key(nc=nc_id, manager=manager), manager, reply.text, reply.blocks, record_ref=number)
        for manager in manager_recipients(settings)
    ]


supplier_nudges = MarkedSource("supplier_nudges", Supplier, _about_supplier)
