"""/feedback, the "Log customer feedback" message shortcut, and the complaint card's buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import feedback, home
from bot.context import Context
from bot.errors import Invalid
from bot.feedback import blocks
from bot.nonconformity import modals as nc_modals
from bot.qms import help_reply
from bot.registry import Action, Callback, Command, ShortcutId
from bot.submissions import Submission
from handlers.common import (
    clicked_message,
    command_text,
    drawn_id,
    form_values,
    kept_with,
    open_from_message,
    open_modal,
    origin_ids,
    take_with_files,
    teller,
)
from handlers.listeners import action, command, message_shortcut, view

USAGE = "Use `/feedback` to log feedback, `/feedback list`, `/feedback stats [days]` or `/feedback FB-2026-0001`."
BROKEN_ADVANCE = "That button is broken; `/feedback list` shows the open complaints."
BROKEN_RAISE_NC = "That button is broken; raise the NC with `/nc`."


def on_feedback(ctx: Context, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
    words = command_text(command).split()
    sub = words[0].lower() if words else ""
    if sub == "help" and len(words) == 1:
        ack(response_type="ephemeral", **help_reply().as_kwargs())
        return
    if sub in ("list", "stats") or (len(words) == 1 and sub.upper().startswith("FB-")):
        days = words[1] if sub == "stats" and len(words) > 1 else "90"
        if not days.isdigit() or not 1 <= int(days) <= 3660 or (sub == "list" and len(words) > 1):
            ack(response_type="ephemeral", text=USAGE)
            return
        ack()
        if sub == "list":
            reply = feedback.list_reply(ctx)
        elif sub == "stats":
            reply = feedback.stats_reply(ctx, int(days))
        else:
            reply = feedback.record_reply(ctx, sub, command["user_id"])
        respond(response_type="ephemeral", **reply.as_kwargs())
        return
    ack()
    # Anything else is the start of what the customer said.
    form = feedback.FeedbackForm(text=" ".join(words) or None)
    open_modal(client, command["trigger_id"], blocks.log_modal(form, ctx.today()), teller(respond))


def on_log_from_message(ctx: Context, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()

    def form_for(typed: str | None, capture_id: int | None) -> dict[str, Any]:
        # From a private conversation (typed is None) the form is not filled and says so.
        form = feedback.FeedbackForm(text=(typed or "")[: feedback.TEXT_MAX] or None)
        return blocks.log_modal(form, ctx.today(), capture_id=capture_id, private_origin=typed is None)

    open_from_message(ctx, client, body, respond, form_for)


def on_log(ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None) -> None:
    values = form_values(view)
    form = feedback.FeedbackForm(**{name: values.get(name) for name in feedback.FeedbackForm.__dataclass_fields__})
    errors, entry = feedback.check(ctx, form)
    if errors or entry is None:
        raise Invalid(errors)
    (capture_id,) = origin_ids(view, "capture")
    user = body["user"]["id"]
    saved = take_with_files(
        ack,
        values,
        user,
        lambda: feedback.log_feedback(ctx, user, entry, capture_id, submission),
        kept_with(ctx, feedback.RECORD_TYPE, user, lambda saved: (saved.number, "as received")),
    )
    assert saved.id is not None
    feedback.refresh_card(ctx, saved.id)


def on_advance(ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
    ack()
    feedback_id, seen = drawn_id(action.get("value", ""))
    moved = feedback.advance(ctx, feedback_id, body["user"]["id"], seen)
    assert moved.id is not None
    feedback.refresh_card(ctx, moved.id)
    # Pressed in the owner's DM or a reminder: that message now offers the step after.
    feedback.redraw_owner_message(ctx, moved.id, clicked_message(body))
    home.publish(ctx, body["user"]["id"])


def on_raise_nc(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    form, complaint_id = feedback.nc_form(ctx, *drawn_id(action.get("value", "")))
    open_modal(
        client,
        body["trigger_id"],
        nc_modals.raise_modal(ctx.settings, form, complaint_id=complaint_id),
        teller(respond),
    )


LISTENERS = [
    command(Command.FEEDBACK, on_feedback),
    message_shortcut(ShortcutId.LOG_FEEDBACK_FROM_MESSAGE, on_log_from_message),
    view(Callback.FEEDBACK_LOG, on_log),
    action(Action.FEEDBACK_ADVANCE, on_advance, broken=BROKEN_ADVANCE),
    action(Action.FEEDBACK_RAISE_NC, on_raise_nc, broken=BROKEN_RAISE_NC),
]
