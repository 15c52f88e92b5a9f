"""The document register's nudges and the outbox key of every message a review sends.

Every key of a document starts `doc:<id>:`, so recording its review cancels all its
reminders at once. The templates are the outbox's unique constraint: they must never
change once released.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.delivery.keys import Key
from bot.delivery.nudges import DatedReminders, Look, MarkedSource, dated_look
from bot.delivery.outbox import Nudge
from bot.documents import blocks
from storage.models_programme import ControlledDocument

# The owner's reminder of a review for a stage (ahead, on the day, overdue), with the two buttons.
OWNER_REMINDER = Key("doc:{document}:{due:%Y%m%d}:{stage}")
# Each QMS manager, once the review is QMS_ESCALATE_AFTER_DAYS overdue.
MANAGER_ESCALATION = Key("doc:{document}:{due:%Y%m%d}:escalate:{manager}")
# Every reminder of one document: what recording its review stops.
ALL_REMINDERS = Key("doc:{document}:")


REMINDERS = DatedReminders(OWNER_REMINDER, MANAGER_ESCALATION, "document")


def _about_document(session: Session, doc: ControlledDocument, now: datetime, settings: Any) -> Look:
    """The owner QMS_DOC_REVIEW_NOTICE_DAYS before a review falls due (with the two buttons),
    on the day, then at the overdue cadence; the QMS managers once it is QMS_ESCALATE_AFTER_DAYS overdue."""
    return dated_look(
        REMINDERS,
        doc.id,
        doc.next_review,
        now,
        settings,
        settings.doc_review_notice_days,
        lambda key, stage, today: _review_due(key, doc, stage, today),
        lambda key, manager, today: _escalation(key, manager, doc, today),
    )


def _review_due(key: str, doc: ControlledDocument, stage: str, local_today: date) -> Nudge:
    reply = blocks.review_due(doc, stage, local_today)
    return Nudge(key, doc.owner, reply.text, reply.blocks, record_ref=doc.reference[:40], snoozable=True)


def _escalation(key: str, manager: str, doc: ControlledDocument, local_today: date) -> Nudge:
    told = blocks.escalation(doc, local_today)
    return Nudge(key, manager, told.text, told.blocks, record_ref=doc.reference[:40])


document_nudges = MarkedSource("document_nudges", ControlledDocument, _about_document)
