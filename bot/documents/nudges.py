"""The document register's nudges and the outbox key of every message a review sends.

Every key of a document starts `doc:<id>:`, so recording its review cancels all its
reminders at once. The templates are the outbox's unique constraint: they must never
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
from bot.documents import blocks
from storage.models_programme import ControlledDocument

# The owner's reminder of a review for a stage (ahead, on the day, overdue), with the two buttons.
OWNER_REMINDER = Key("doc:{document}:{due:%Y%m%d}:{stage}")
# Each QMS manager, once the review is QMS_ESCALATE_AFTER_DAYS overdue.
MANAGER_ESCALATION = Key("doc:{document}:{due:%Y%m%d}:escalate:{manager}")
# Every reminder of one document: what recording its review stops.
ALL_REMINDERS = Key("doc:{document}:")


def _about_document(session: Session, doc: ControlledDocument, now: datetime, settings: Any) -> Look:
    """The owner when a review falls due (with the two buttons), then at the overdue cadence;
    the QMS managers once it is QMS_ESCALATE_AFTER_DAYS overdue."""
    local_today = now.astimezone(settings.zone).date()
    escalate_on = doc.next_review + timedelta(days=settings.escalate_after_days)
    notice = [settings.doc_review_notice_days]
    again = next_stage(doc.next_review, local_today, settings, escalate_on, before=notice)
    stage = due_stage(doc.next_review, local_today, settings, before=notice)
    if stage is None:
        return Look([], again)
    key = OWNER_REMINDER.key(document=doc.id, due=doc.next_review, stage=stage)
    due = [Due(key, partial(_review_due, key, doc, stage, local_today))]
    if local_today >= escalate_on:
        for manager in manager_recipients(settings):
            told = MANAGER_ESCALATION.key(document=doc.id, due=doc.next_review, manager=manager)
            due.append(Due(told, partial(_escalation, told, manager, doc, local_today)))
    return Look(due, again)


def _review_due(key: str, doc: ControlledDocument, stage: str, local_today: date) -> Nudge:
    reply = blocks.review_due(doc, stage, local_today)
    return Nudge(key, doc.owner, reply.text, reply.blocks, record_ref=doc.reference[:40], snoozable=True)


def _escalation(key: str, manager: str, doc: ControlledDocument, local_today: date) -> Nudge:
    told = blocks.escalation(doc, local_today)
    return Nudge(key, manager, told.text, told.blocks, record_ref=doc.reference[:40])


document_nudges = MarkedSource("document_nudges", ControlledDocument, _about_document)
