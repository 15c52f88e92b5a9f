"""A welcome for people joining the QMS channel, so they find the commands."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.delivery.outbox import Nudge, enqueue
from bot.qms.nudges import WELCOME
from bot.surfaces.blocks import context, section
from storage.events import claim_event

if TYPE_CHECKING:
    from bot.context import Context


def welcome_blocks(channel: str) -> list[dict[str, Any]]:
    return [
        section(
            f"Welcome to <#{channel}>, where the quality management system lives. "
            "You can raise a nonconformity, log customer feedback and acknowledge trainings right here in Slack."
        ),
        context("Type `/qms help` to see every command."),
    ]


def welcome_member(ctx: Context, *, event_id: str, user_id: str, channel: str) -> bool:
    """Queue one welcome DM per join event; True if this delivery of the event queued it."""
    if channel != ctx.settings.channel:
        return False
    person = ctx.directory.person(user_id)
    if person is None or not person.can_be_assigned:
        return False
    with ctx.db.session() as session:
        # Slack redelivers events it thinks we missed; the event id makes this write once.
        if not claim_event(session, event_id, ctx.clock.now()):
            return False
        enqueue(
            session,
            Nudge(
                key=WELCOME.key(event=event_id),
                recipient=user_id,
                text="Welcome to the QMS channel. Type /qms help to see every command.",
                blocks=welcome_blocks(channel),
            ),
            ctx.clock.now(),
        )
    return True
