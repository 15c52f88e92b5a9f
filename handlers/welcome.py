"""member_joined_channel: welcome people to the QMS channel; ask them for what a channel's role needs."""

from __future__ import annotations

from typing import Any

from bot import competence
from bot.context import Context
from bot.qms.welcome import welcome_member
from bot.registry import Event
from handlers.listeners import event


def on_member_joined(ctx: Context, body: dict[str, Any], event: dict[str, Any]) -> None:
    welcome_member(ctx, event_id=body["event_id"], user_id=event["user"], channel=event["channel"])
    # A channel can be a role too: its new member gets the trainings the role needs.
    competence.joined(ctx, "channel", str(event["channel"]), [str(event["user"])])


LISTENERS = [event(Event.MEMBER_JOINED_CHANNEL, on_member_joined)]
