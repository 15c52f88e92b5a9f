"""Read-side answers: the register's list and one risk with its history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.risks import blocks
from bot.risks.record import RECORD_TYPE, load_record
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import safe
from bot.workspace.captures import copy_shown_to
from storage import risks as store
from storage.audit import history

if TYPE_CHECKING:
    from bot.context import Context

LIST_LIMIT = 15


def list_reply(ctx: Context) -> Reply:
    with ctx.db.read() as session:
        found = store.active(session)
        return blocks.risk_list(found, ctx.today(), ctx.settings, LIST_LIMIT)


def record_reply(ctx: Context, number: str, reader: str) -> Reply:
    """One risk with its history; the copy of a private message only for who may read it, its
    buttons only for who may press them (the reply is theirs alone)."""
    manager = ctx.roles.is_manager(reader)
    with ctx.db.read() as session:
        risk = store.by_number(session, number)
        if risk is None:
            return Reply(f"There is no {safe(number.upper(), 40)}. `/risk list` shows the register.")
        record = load_record(session, risk)
        events = sorted(
            history(session, RECORD_TYPE, risk.number) + history(session, "nudge", risk.number), key=lambda e: e.id or 0
        )
        show_copy = record.capture is not None and copy_shown_to(ctx, record.capture, reader)
        may_act = manager or reader == risk.owner
        return blocks.record_with_history(
            record, events, ctx.today(), ctx.settings, show_copy=show_copy, may_act=may_act
        )
