"""The NC's outbox keys, one named `Key` each, and the nudge source the scheduler runs.

Every key an NC message is queued under, and every prefix that cancels them, is made here:
the keys are the outbox's unique constraint, so these templates never change once released.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.delivery.due import due_stage, manager_recipients
from bot.delivery.keys import Key
from bot.delivery.outbox import Nudge
from bot.nonconformity import blocks as nc_blocks
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

# Everything queued about one corrective action.
ACTION_ALL = Key("nca:{action}:")
ACTION_ASSIGNED = Key("nca:{action}:assigned")
ACTION_REMINDER = Key("nca:{action}:{due:%Y%m%d}:{stage}")
ACTION_ESCALATION = Key("nca:{action}:escalate:{due:%Y%m%d}:{manager}")

# The card's thread and the reporter's confirmation: the log of what happened.
RAISED_CONFIRMATION = Key("nclog:{nc}:raised")
THREAD_POST = Key("nclog:{nc}:{event}")

OWNER_STEPS = (Status.OPEN, Status.CONTAINED, Status.ROOT_CAUSE_FOUND, Status.ACTIONS_PLANNED)


def nc_nudges(session: Session, now: datetime, settings: Any) -> list[Nudge]:
    """Reminders for NC owners and action owners, escalations, and verification requests."""
    local_today = now.astimezone(settings.zone).date()
    escalate_to = manager_recipients(settings)
    nudges: list[Nudge] = []
    for nc in store.active(session, share_lock=True):
        nudges += _about_nc(nc, now, local_today, settings, escalate_to)
    for action, nc in store.open_actions(session, share_lock=True):
        nudges += _about_action(nc, action, local_today, settings, escalate_to)
    return nudges


def _about_nc(
    nc: Nonconformity, now: datetime, local_today: date, settings: Any, escalate_to: list[str]
) -> list[Nudge]:
    """The owner's reminder and the managers' escalation while the owner has the next step;
    the request to verify once the actions have been done long enough to tell."""
    nudges: list[Nudge] = []
    status = Status(nc.status)
    if status in OWNER_STEPS:
        stage = due_stage(nc.due_date, local_today, settings)
        if stage:
            reply = nc_blocks.nc_reminder(nc, stage, local_today)
            nudges.append(
                Nudge(
                    OWNER_REMINDER.key(nc=nc.id, due=nc.due_date, stage=stage),
                    nc.owner,
                    reply.text,
                    reply.blocks,
                    record_ref=nc.number,
                    snoozable=True,
                )
            )
        if (local_today - nc.due_date).days >= settings.escalate_after_days:
            reply = nc_blocks.escalation(nc, None, local_today)
            for manager in escalate_to:
                nudges.append(
                    Nudge(
                        ESCALATION.key(nc=nc.id, due=nc.due_date, failed=nc.failed_verifications, manager=manager),
                        manager,
                        reply.text,
                        reply.blocks,
                        record_ref=nc.number,
                    )
                )
    if (
        status is Status.ACTIONS_DONE
        and nc.actions_done_at
        and now >= nc.actions_done_at + timedelta(days=settings.verify_after_days)
    ):
        reply = nc_blocks.verification_due(nc)
        for manager in escalate_to:
            nudges.append(
                Nudge(
                    VERIFY_REQUEST.key(nc=nc.id, done=nc.actions_done_at, manager=manager),
                    manager,
                    reply.text,
                    reply.blocks,
                    record_ref=nc.number,
                    snoozable=True,
                )
            )
    return nudges


def _about_action(
    nc: Nonconformity, action: CorrectiveAction, local_today: date, settings: Any, escalate_to: list[str]
) -> list[Nudge]:
    """The action owner's reminder, and the managers' escalation once it is long overdue."""
    nudges: list[Nudge] = []
    stage = due_stage(action.due_date, local_today, settings)
    if stage:
        reply = nc_blocks.action_reminder(nc, action, stage, local_today)
        nudges.append(
            Nudge(
                ACTION_REMINDER.key(action=action.id, due=action.due_date, stage=stage),
                action.owner,
                reply.text,
                reply.blocks,
                record_ref=nc.number,
                snoozable=True,
            )
        )
    if (local_today - action.due_date).days >= settings.escalate_after_days:
        reply = nc_blocks.escalation(nc, action, local_today)
        for manager in escalate_to:
            nudges.append(
                Nudge(
                    ACTION_ESCALATION.key(action=action.id, due=action.due_date, manager=manager),
                    manager,
                    reply.text,
                    reply.blocks,
                    record_ref=nc.number,
                )
            )
    return nudges
