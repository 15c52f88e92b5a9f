"""The Snooze button on nudges and its modal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.delivery import snooze
from bot.errors import NotAllowed, Refused
from bot.registry import Action, Callback
from handlers.common import form_values, record_id

if TYPE_CHECKING:
    from bot.context import Context


def register(app: App, ctx: Context) -> None:
    @app.action(Action.SNOOZE)
    def on_snooze_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        user = body["user"]["id"]
        try:
            message_id = record_id(action.get("value", ""))
            record_ref = snooze.check(ctx, message_id, user)
        except ValueError:
            respond(
                text="That Snooze button is broken; the reminder stays as it is.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        except (NotAllowed, Refused) as refused:
            respond(text=str(refused), response_type="ephemeral", replace_original=False)
            return
        client.views_open(trigger_id=body["trigger_id"], view=snooze.snooze_modal(message_id, record_ref))

    @app.view(Callback.SNOOZE)
    def on_snooze_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = form_values(view)
        choice, reason = values.get("until"), values.get("reason")
        errors = snooze.validate(choice, reason)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        try:
            snoozed = snooze.snooze(
                ctx, record_id(view["private_metadata"]), body["user"]["id"], choice or "", reason or ""
            )
        except ValueError:
            ack(
                response_action="errors",
                errors={"until": "This form lost track of its reminder; close it and click Snooze again."},
            )
            return
        except (NotAllowed, Refused) as refused:
            ack(response_action="errors", errors={"until": str(refused)})
            return
        ack()
        snooze.show_snoozed(ctx, snoozed)
