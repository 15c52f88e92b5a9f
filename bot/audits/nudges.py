"""The audit programme's nudges and the outbox key of every message an audit sends.

`au:` keys are the reminders, cancelled together once the audit is completed or cancelled;
`aulog:` keys are the one-off notes (planned, completed), which are never cancelled. The
templates are the outbox's unique constraint: they must never change once released.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache, partial
from typing import Any

from sqlmodel import Session

from bot.audits import blocks
from bot.delivery.due import due_stage, manager_recipients, next_stage
from bot.delivery.keys import Key
from bot.delivery.nudges import Due, Look, MarkedSource
from bot.delivery.outbox import Nudge
from storage.models_programme import Audit

# The lead auditor's reminder for a stage (ahead, the day before, on the day, overdue).
AUDITOR_REMINDER = Key("au:{audit}:{planned:%Y%m%d}:{stage}")
# The same reminder to each QMS manager once the audit is overdue.
MANAGER_REMINDER = Key("au:{audit}:{planned:%Y%m%d}:{stage}:{manager}")
# Every reminder of one audit: what completing or cancelling it stops.
ALL_REMINDERS = Key("au:{audit}:")

# The notes, sent once each.
PLANNED_NOTE = Key("aulog:{audit}:planned")  # to the lead auditor
AUDITEE_NOTICE = Key("aulog:{audit}:auditee:{person}")
COMPLETED_NOTE = Key("aulog:{audit}:completed:{person}")


def _about_audit(session: Session, audit: Audit, now: datetime, settings: Any) -> Look:
    """The lead auditor ahead of the audit (to prepare), the day before and on the day; after it,
    until completed, the auditor and the QMS managers at the overdue cadence."""
    if audit.status != "planned":
        return Look([], None)
    local_today = now.astimezone(settings.zone).date()
    ahead = [*settings.audit_prepare_days, 1]
    again = next_stage(audit.planned_date, local_today, settings, before=ahead)
    stage = due_stage(audit.planned_date, local_today, settings, before=ahead)
    if stage is None:
        return Look([], again)
    reply = cache(lambda: blocks.reminder(audit, stage, local_today))

    def build(key: str, person: str, snoozable: bool) -> Nudge:
        return Nudge(key, person, reply().text, reply().blocks, record_ref=audit.number, snoozable=snoozable)

    fields = {"audit": audit.id, "planned": audit.planned_date, "stage": stage}
    key = AUDITOR_REMINDER.key(**fields)
    due = [Due(key, partial(build, key, audit.lead_auditor, not stage.startswith("overdue")))]
    if stage.startswith("overdue"):
        for manager in manager_recipients(settings):
            if manager != audit.lead_auditor:
                key = MANAGER_REMINDER.key(**fields, manager=manager)
                due.append(Due(key, partial(build, key, manager, False)))
    return Look(due, again)


audit_nudges = MarkedSource("audit_nudges", Audit, _about_audit)
