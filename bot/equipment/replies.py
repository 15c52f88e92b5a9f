"""What the register shows: the list of equipment and one piece with its calibrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.equipment import blocks
from bot.equipment.forms import tag_key
from bot.equipment.rules import RECORD_TYPE, may_calibrate
from bot.surfaces.blocks import Reply
from bot.surfaces.mrkdwn import safe
from storage import equipment as store
from storage import evidence as evidence_store
from storage import nonconformities as nc_store

if TYPE_CHECKING:
    from bot.context import Context

LIST_LIMIT = 40


def list_reply(ctx: Context) -> Reply:
    with ctx.db.read() as session:
        items = store.all_by_due(session, limit=LIST_LIMIT)
    return blocks.register(items, ctx.today(), ctx.settings.calibration_notice_days, LIST_LIMIT)


def added_confirmation(ctx: Context, tag: str) -> str:
    """What the QMS manager who added equipment is told (again, should they send the form twice)."""
    with ctx.db.read() as session:
        eq = store.by_key(session, tag_key(tag))
    if eq is None:
        return f"{safe(tag, 40)} is no longer in the register."
    return f"{safe(eq.tag, 40)} is in the register; its owner is reminded before the calibration due on {eq.next_due:%d %b %Y}."


def equipment_reply(ctx: Context, tag: str, user: str) -> Reply:
    with ctx.db.read() as session:
        eq = store.by_key(session, tag_key(tag))
        if eq is None:
            return Reply(f"{safe(tag, 40)} is not in the register. `/equipment list` shows the register.")
        calibrations = store.calibrations_of(session, eq.id or 0)
        numbers = nc_store.numbers(session, [c.nc_id for c in calibrations if c.nc_id])
        files = evidence_store.files_of(session, RECORD_TYPE, eq.tag)
    notice = ctx.settings.calibration_notice_days
    return blocks.equipment(
        eq,
        calibrations,
        ctx.today(),
        notice,
        may_calibrate=may_calibrate(ctx, eq, user),
        nc_numbers=numbers,
        files=files,
    )
