"""The outbox keys of nonconforming output, and the reminders of decisions awaiting authorisation.

A decision waits on its approvers: they are asked at once, reminded from
QMS_AUTHORISE_WITHIN_DAYS after it was recorded (then every QMS_OVERDUE_EVERY_DAYS), and the
QMS managers hear of it QMS_ESCALATE_AFTER_DAYS after that. Output on hold keeps its NC open,
so the NC's own nudges go on beside these. Every key about a decision starts with
AUTHORISE_ALL, so authorising or rejecting it cancels whatever is still queued.
A key must never change once released, or queued messages are sent again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlmodel import Session, col

from bot.delivery.due import due_stage, manager_recipients, next_stage
from bot.delivery.keys import Key
from bot.delivery.nudges import Due, Look, MarkedSource
from bot.delivery.outbox import Nudge
from bot.outputs import blocks
from storage import nonconformities as nc_store
from storage import outputs as store
from storage.models import Disposition, Nonconformity

THREAD_POST = Key("out:{nc}:thread:{event}")
AUTHORISE_ALL = Key("disp:{decision}:")
AUTHORISE_REQUEST = Key("disp:{decision}:authorise:{approver}")
AUTHORISE_REMINDER = Key("disp:{decision}:remind:{stage}:{approver}")
AUTHORISE_ESCALATION = Key("disp:{decision}:escalate:{manager}")
# Nobody but the recorder may authorise: said to the recorder and the QMS managers at once.
NOBODY_TO_AUTHORISE = Key("disp:{decision}:nobody:{to}")
TOLD_DECISION = Key("disp:{decision}:told:{status}:{to}")


def authorise_by(d: Disposition, settings: Any) -> date:
    """The day an approver is first reminded of a decision still awaiting them."""
    return d.decided_at.astimezone(settings.zone).date() + timedelta(days=settings.authorise_within_days)


def _about_decision(session: Session, item: tuple[Disposition, Nonconformity], now: datetime, settings: Any) -> Look:
    d, nc = item
    if d.status != "pending" or nc.status in nc_store.FINISHED:
        return Look([], None)  # nothing more, unless the decision changes
    today = now.astimezone(settings.zone).date()
    due_on = authorise_by(d, settings)
    escalate_on = due_on + timedelta(days=settings.escalate_after_days)
    stage = due_stage(due_on, today, settings, before=[])
    output = store.output_of(session, nc.id or 0) if stage else None
    if output is None:
        return Look([], next_stage(due_on, today, settings, escalate_on, before=[]))
    found: list[Due] = []
    waiting = (today - d.decided_at.astimezone(settings.zone).date()).days
    for approver in d.asked or []:
        key = AUTHORISE_REMINDER.key(decision=d.id, stage=stage, approver=approver)
        note = partial(blocks.authorisation_reminder, nc, output, d, settings.zone, waiting)
        found.append(Due(key, partial(_nudge, key, approver, nc, note, snoozable=True)))
    if today >= escalate_on:
        # The managers may authorise only when they are the approvers (the default).
        with_buttons = not settings.disposition_approvers
        for manager in manager_recipients(settings):
            key = AUTHORISE_ESCALATION.key(decision=d.id, manager=manager)
            note = partial(blocks.authorisation_escalation, nc, output, d, settings.zone, waiting, with_buttons)
            found.append(Due(key, partial(_nudge, key, manager, nc, note, snoozable=False)))
    return Look(found, next_stage(due_on, today, settings, escalate_on, before=[]))


def _nudge(key: str, to: str, nc: Nonconformity, note: Any, *, snoozable: bool) -> Nudge:
    reply = note()
    return Nudge(key, to, reply.text, reply.blocks, record_ref=nc.number, snoozable=snoozable)


# Reminders to the approvers of a decision awaiting authorisation, and the managers' escalation.
disposition_nudges = MarkedSource(
    "disposition_nudges",
    Disposition,
    _about_decision,
    parent=Nonconformity,
    on=col(Nonconformity.id) == col(Disposition.nc_id),
)
