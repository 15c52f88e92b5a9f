"""Hand-offs said to the next person, queued in the step's own transaction (the outbox sends
them in working hours): an action done → the NC owner; the last one → the QMS managers, asked
to verify at once; not effective → the NC owner, back to root cause; closed or cancelled → the
person who raised it. And the DM that asked for a step, redrawn once it was taken there.

Apart from the steps (rules.py) because together they would pass 400 lines.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.delivery.due import manager_recipients
from bot.delivery.outbox import Nudge, enqueue
from bot.nonconformity import asks
from bot.nonconformity.lifecycle import Status, Step
from bot.nonconformity.nudges import NOT_EFFECTIVE, TOLD_ACTION_DONE, TOLD_OUTCOME, VERIFY_NOW
from bot.surfaces.blocks import Reply
from storage import nonconformities as store
from storage.models import CorrectiveAction, Nonconformity

if TYPE_CHECKING:
    from bot.context import Context
    from bot.workspace.config import Settings

log = logging.getLogger(__name__)


def _tell(session: Session, key: str, to: str, nc: Nonconformity, reply: Reply, now: datetime) -> None:
    enqueue(session, Nudge(key, to, reply.text, reply.blocks, record_ref=nc.number), now)


def action_done(
    session: Session, settings: Settings, nc: Nonconformity, action: CorrectiveAction, user: str, now: datetime
) -> None:
    """The NC owner hears who did it and the evidence; the last one asks the managers to verify."""
    all_done = Status(nc.status) is Status.ACTIONS_DONE
    if nc.owner != user:
        note = asks.action_done_note(nc, action, all_done)
        _tell(session, TOLD_ACTION_DONE.key(nc=nc.id, action=action.id), nc.owner, nc, note, now)
    if all_done and nc.id is not None:
        actions = store.actions_of(session, nc.id)
        for manager in manager_recipients(settings):
            request = asks.verification_due(nc, actions, manager)
            _tell(session, VERIFY_NOW.key(nc=nc.id, done=now, manager=manager), manager, nc, request, now)


def not_effective(session: Session, nc: Nonconformity, user: str, now: datetime) -> None:
    if nc.owner != user:
        note = asks.not_effective_note(nc)
        _tell(session, NOT_EFFECTIVE.key(nc=nc.id, failed=nc.failed_verifications), nc.owner, nc, note, now)


def outcome(session: Session, nc: Nonconformity, user: str, now: datetime) -> None:
    """The person who raised it hears how it ended (unless they ended it)."""
    if nc.reporter != user:
        _tell(session, TOLD_OUTCOME.key(nc=nc.id, status=nc.status), nc.reporter, nc, asks.outcome_note(nc), now)


def redraw_ask(
    ctx: Context, nc_id: int, user: str, where: tuple[str, str], step: Step, action_id: int | None = None
) -> None:
    """The DM whose button `user` pressed, redrawn: the step done, and what they may do next
    there. A failure leaves the old one, whose button then says the step was already done."""
    manager = ctx.roles.is_manager(user)
    with ctx.db.read() as session:
        nc = store.get(session, nc_id)
        if nc is None:
            return
        reply = asks.after_step(nc, store.actions_of(session, nc_id), user, manager, step, action_id)
    try:
        ctx.client.chat_update(channel=where[0], ts=where[1], **reply.as_kwargs())
    except SlackApiError as exc:
        log.warning("could not redraw the DM about %s for %s: %s", nc_id, user, exc.response.get("error"))
