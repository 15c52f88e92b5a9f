"""The Snooze button on nudges and its modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.context import Context
from bot.delivery import snooze
from bot.errors import Invalid
from bot.registry import Action, Callback
from bot.submissions import Submission
from handlers.common import form_values, record_id
from handlers.listeners import action, view

BROKEN_BUTTON = "That Snooze button is broken; the reminder stays as it is."
LOST_REMINDER = "This form lost track of its reminder; close it and click Snooze again."


def on_snooze_button(ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
    ack()
    message_id = record_id(action.get("value", ""))
    record_ref = snooze.check(ctx, message_id, body["user"]["id"])
    client.views_open(trigger_id=body["trigger_id"], view=snooze.snooze_modal(message_id, record_ref))


def on_snooze_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    values = form_values(view)
    choice, reason = values.get("until"), values.get("reason")
    errors = snooze.validate(choice, reason)
    if errors:
        raise Invalid(errors)
    message_id = record_id(view["private_metadata"])
    snoozed = snooze.snooze(ctx, message_id, body["user"]["id"], choice or "", reason or "", submission)
    ack()
    snooze.show_snoozed(ctx, snoozed)


LISTENERS = [
    action(Action.SNOOZE, on_snooze_button, broken=BROKEN_BUTTON),
    view(Callback.SNOOZE, on_snooze_submit, field="until", broken=LOST_REMINDER),
]
