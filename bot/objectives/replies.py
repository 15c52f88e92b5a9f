"""What the bot shows about quality objectives: each against its target, this period so far."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.objectives.blocks import lines
from bot.objectives.measures import RULE, standings
from bot.surfaces.blocks import Reply, capped_lines, context, section

if TYPE_CHECKING:
    from bot.context import Context


def list_reply(ctx: Context) -> Reply:
    with ctx.db.session() as session:
        found = standings(session, ctx.today(), ctx.settings.zone)
    if not found:
        return Reply("No quality objectives yet. QMS managers define them with `/kpi new`.")
    return Reply(
        f"Quality objectives: {sum(s.status == 'met' for s in found)} of {len(found)} met",
        [
            section("*Quality objectives*\n" + capped_lines(lines(found), 2900, max_lines=25)),
            context(f"Status rule: {RULE}."),
        ],
    )
