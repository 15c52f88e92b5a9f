"""The App Home tab: shown when opened; its buttons start an NC or a feedback entry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import feedback, home
from bot import nonconformity as nc
from bot.feedback import blocks as feedback_blocks
from bot.nonconformity import blocks as nc_blocks
from bot.registry import Action
from handlers.common import answerer, open_modal

if TYPE_CHECKING:
    from bot.context import Context


def register(app: App, ctx: Context) -> None:
    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            home.publish(ctx, event["user"])

    @app.action(Action.HOME_RAISE_NC)
    def on_raise(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_modal(
            client,
            body["trigger_id"],
            nc_blocks.raise_modal(ctx.settings, nc.RaiseForm()),
            answerer(body, None, client),
        )

    @app.action(Action.HOME_LOG_FEEDBACK)
    def on_log(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = feedback_blocks.log_modal(feedback.FeedbackForm(), ctx.today())
        open_modal(client, body["trigger_id"], view, answerer(body, None, client))
