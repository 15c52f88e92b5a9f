"""The App Home tab: shown when opened; its buttons start an NC or a feedback entry."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot import feedback, home
from bot import nonconformity as nc
from bot.context import Context
from bot.feedback import blocks as feedback_blocks
from bot.nonconformity import modals as nc_modals
from bot.registry import Action, Event
from handlers.common import answerer, open_modal
from handlers.listeners import action, event


def on_home_opened(ctx: Context, event: dict[str, Any]) -> None:
    if event.get("tab", "home") == "home" and event.get("user"):
        home.publish(ctx, event["user"])


def on_raise(ctx: Context, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    # The Home tab has no response URL: a failure is told by DM.
    view = nc_modals.raise_modal(ctx.settings, nc.RaiseForm())
    open_modal(client, body["trigger_id"], view, answerer(body, None, client))


def on_log(ctx: Context, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    view = feedback_blocks.log_modal(feedback.FeedbackForm(), ctx.today())
    open_modal(client, body["trigger_id"], view, answerer(body, None, client))


LISTENERS = [
    event(Event.APP_HOME_OPENED, on_home_opened),
    action(Action.HOME_RAISE_NC, on_raise),
    action(Action.HOME_LOG_FEEDBACK, on_log),
]
