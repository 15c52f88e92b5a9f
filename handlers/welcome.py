"""member_joined_channel: welcome people to the QMS channel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import App

from bot.qms.welcome import welcome_member

if TYPE_CHECKING:
    from bot.context import Context


def register(app: App, ctx: Context) -> None:
    @app.event("member_joined_channel")
    def on_member_joined(body: dict[str, Any], event: dict[str, Any]) -> None:
        welcome_member(ctx, event_id=body["event_id"], user_id=event["user"], channel=event["channel"])
