"""The document register's nudges and the outbox key of every message a review sends.

Every key of a document starts `doc:<id>:`, so recording its review cancels all its
reminders at once. The templates are the outbox's unique constraint: they must never
change once released.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.delivery.due import due_stage, manager_recipients
from bot.delivery.keys import Key
from bot.delivery.outbox import Nudge
from bot.documents import blocks
from storage import documents as store

# The owner's reminder of a review for a stage (ahead, on the day, overdue), with the two buttons.
OWNER_REMINDER = Key("doc:{document}:{due:%Y%m%d}:{stage}")
# Each QMS manager, once the review is QMS_ESCALATE_AFTER_DAYS overdue.
MANAGER_ESCALATION = Key("doc:{document}:{due:%Y%m%d}:escalate:{manager}")
# Every reminder of one document: what recording its review stops.
ALL_REMINDERS = Key("doc:{document}:")


def document_nudges(session: Session, now: datetime, settings: Any) -> list[Nudge]:
    """The owner when a review falls due (with the two buttons), then at the overdue cadence;
    the QMS managers once it is QMS_ESCALATE_AFTER_DAYS overdue."""
    local_today = now.astimezone(settings.zone).date()
    nudges: list[Nudge] = []
    for doc in store.all_by_due(session, share_lock=True):
        if (doc.next_review - local_today).days > settings.doc_review_notice_days:
            break  # ordered by due date: the rest are later still
        stage = due_stage(doc.next_review, local_today, settings, before=[settings.doc_review_notice_days])
        if stage is None:
            continue
        reply = blocks.review_due(doc, stage, local_today)
        key = OWNER_REMINDER.key(document=doc.id, due=doc.next_review, stage=stage)
        nudges.append(Nudge(key, doc.owner, reply.text, reply.blocks, record_ref=doc.reference[:40], snoozable=True))
        if (local_today - doc.next_review).days >= settings.escalate_after_days:
            told = blocks.escalation(doc, local_today)
            for manager in manager_recipients(settings):
                key = MANAGER_ESCALATION.key(document=doc.id, due=doc.next_review, manager=manager)
                nudges.append(Nudge(key, manager, told.text, told.blocks, record_ref=doc.reference[:40]))
    return nudges
