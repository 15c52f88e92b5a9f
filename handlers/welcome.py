"""member_joined_channel: welcome people to the QMS channel."""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.qms.welcome import welcome_member
from bot.registry import Event
from handlers.listeners import event


def on_member_joined(ctx: Context, body: dict[str, Any], event: dict[str, Any]) -> None:
    welcome_member(ctx, event_id=body["event_id"], user_id=event["user"], channel=event["channel"])


LISTENERS = [event(Event.MEMBER_JOINED_CHANNEL, on_member_joined)]
