"""Read-side answers: the lists of NCs and one record with its history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import outputs
from bot.nonconformity import asks
from bot.nonconformity import blocks as nc_blocks
from bot.nonconformity.record import RECORD_TYPE, load_record
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import safe
from bot.workspace.captures import copy_shown_to
from storage import nonconformities as store
from storage.audit import history

if TYPE_CHECKING:
    from bot.context import Context

LIST_LIMIT = 15


def list_reply(ctx: Context, user: str, which: str) -> Reply:
    """The first LIST_LIMIT, newest first, and how many there are: counted in the database,
    so a register of a million NCs never loads its open ones to show fifteen."""
    # A read that takes no write lock: people listing NCs never wait behind a writer or a tick.
    # Drawn inside it, as its records are let go (expired) when it ends.
    with ctx.db.read() as session:
        if which == "open":
            found, total = store.active(session, limit=LIST_LIMIT), store.count_active(session)
        elif which == "overdue":
            found, total = (
                store.overdue(session, ctx.today(), limit=LIST_LIMIT),
                store.count_active(session, overdue_on=ctx.today()),
            )
        else:
            found = store.involving(session, user)
            total = len(found)
        return nc_blocks.nc_list(which, found, ctx.today(), LIST_LIMIT, total)


def record_reply(ctx: Context, number: str, reader: str) -> Reply:
    """One NC with its history; the copy of a private message only for who may read it, and
    the buttons only that reader may press (the reply is theirs alone)."""
    manager = ctx.roles.is_manager(reader)  # may ask Slack (a user group): outside the transaction
    with ctx.db.session() as session:
        nc = store.by_number(session, number)
        if nc is None:
            return Reply(f"There is no {safe(number.upper(), 40)}. `/nc list open` shows the open ones.")
        record = load_record(session, nc)
        # Snoozed reminders about the NC are on its trail too (record type "nudge").
        events = sorted(
            history(session, RECORD_TYPE, nc.number) + history(session, "nudge", nc.number), key=lambda e: e.id or 0
        )
    show_copy = record.capture is not None and copy_shown_to(ctx, record.capture, reader)
    mine = asks.buttons_for(record.nc, record.actions, reader, manager)
    # The output's buttons are the owner's or a manager's; the recurrence question a manager's.
    may = {outputs.OUTPUT_BLOCK} if manager or reader == record.nc.owner else set()
    may |= {nc_blocks.RECURRENCE_BLOCK} if manager else set()
    return nc_blocks.record_with_history(
        record, events, ctx.today(), ctx.settings, show_copy=show_copy, reader_buttons=mine, reader_may=frozenset(may)
    )
