"""/supplier, the evaluation and status buttons and forms, the NC form's supplier picker, and
the "Open NC" button of the QMS managers' alert."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import home, suppliers
from bot import nonconformity as nc
from bot.context import Context
from bot.delivery.due import add_months
from bot.errors import Broken, Invalid, NotAllowed, valid
from bot.qms import help_reply
from bot.registry import Action, Callback, Command, Suggestion
from bot.submissions import Submission
from bot.suppliers import blocks
from handlers.common import answerer, clicked_message, command_text, form_values, open_modal, origin_message, teller
from handlers.listeners import action, command, options, view

log = logging.getLogger(__name__)

USAGE = "Use `/supplier list`, `/supplier add`, `/supplier help` or `/supplier <name>`."
BROKEN_BUTTON = "That button is broken; `/supplier list` shows the register."
LOST_SUPPLIER = "This form lost its supplier; open it again from `/supplier list`."


def _replace_clicked(client: WebClient, where: tuple[str, str] | None, text: str) -> None:
    """Turn the reminder that was clicked into what was recorded, so its button goes."""
    if where is None:
        return
    try:
        client.chat_update(channel=where[0], ts=where[1], text=text, blocks=[])
    except SlackApiError as exc:
        log.warning("could not update the evaluation reminder: %s", exc.response.get("error"))


def on_supplier(ctx: Context, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
    text = command_text(command)
    sub = text.lower() or "list"
    if sub == "help":
        ack(response_type="ephemeral", **help_reply().as_kwargs())
    elif sub == "add":
        if not ctx.roles.is_manager(command["user_id"]):
            raise NotAllowed("Only QMS managers add suppliers to the register. Ask your QMS manager.")
        ack()
        first = add_months(ctx.today(), ctx.settings.supplier_evaluation_months)
        open_modal(client, command["trigger_id"], blocks.add_modal(first), teller(respond))
    elif sub == "list":
        ack()
        respond(response_type="ephemeral", **suppliers.list_reply(ctx).as_kwargs())
    elif len(text) > suppliers.NAME_MAX:
        ack(response_type="ephemeral", text=USAGE)
    else:
        ack()
        respond(response_type="ephemeral", **suppliers.supplier_reply(ctx, text, command["user_id"]).as_kwargs())


def on_add(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    user = body["user"]["id"]
    if not ctx.roles.is_manager(user):  # before checking the owner: a refusal costs no Slack calls
        raise NotAllowed("Only QMS managers can add suppliers to the register.")
    registration = valid(*suppliers.check_add(ctx, form_values(view)))
    assert registration is not None  # checked just above
    supplier = suppliers.add(ctx, user, registration, submission)  # a refusal shows on "name"
    ack()
    tell_added(ctx, body, client, suppliers.ref(supplier))
    home.publish(ctx, user)


def tell_added(ctx: Context, body: dict[str, Any], client: WebClient, ref: str) -> None:
    answerer(body, None, client)(suppliers.added_confirmation(ctx, ref))


# --- evaluating ---


def on_evaluate_button(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    user = body["user"]["id"]
    supplier = suppliers.open_for_evaluation(ctx, str(action.get("value", "")), user)
    card = suppliers.scorecard(ctx, supplier)
    form = blocks.evaluate_modal(supplier, card, manager=ctx.roles.is_manager(user), clicked=clicked_message(body))
    open_modal(client, body["trigger_id"], form, answerer(body, respond, client))


def _seen(view: dict[str, Any]) -> str:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    return f"{meta.get('supplier')}@{meta.get('seen')}" if isinstance(meta, dict) else ""


def on_evaluate(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    user = body["user"]["id"]
    seen = _seen(view)
    try:
        supplier = suppliers.open_for_evaluation(ctx, seen, user)  # a refusal shows on "score"
    except Broken:
        raise Invalid({"score": LOST_SUPPLIER}) from None
    evaluation = valid(*suppliers.check_evaluation(form_values(view), supplier, manager=ctx.roles.is_manager(user)))
    assert evaluation is not None  # checked just above
    supplier, entry = suppliers.evaluate(ctx, seen, user, evaluation, submission)
    ack()
    said = blocks.evaluated(supplier, entry)
    _replace_clicked(client, origin_message(view), said)
    answerer(body, None, client)(said)
    home.publish(ctx, user)


def tell_evaluated(ctx: Context, body: dict[str, Any], client: WebClient, ref: str) -> None:
    answerer(body, None, client)(suppliers.evaluated_confirmation(ctx, ref))


# --- a QMS manager's status change ---


def on_status_button(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    supplier = suppliers.open_for_status(ctx, str(action.get("value", "")), body["user"]["id"])
    open_modal(client, body["trigger_id"], blocks.status_modal(supplier), answerer(body, respond, client))


def on_status(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    user = body["user"]["id"]
    seen = _seen(view)
    try:
        supplier = suppliers.open_for_status(ctx, seen, user)  # a refusal shows on "status"
    except Broken:
        raise Invalid({"status": LOST_SUPPLIER}) from None
    change = valid(*suppliers.check_status(form_values(view), supplier))
    assert change is not None  # checked just above
    suppliers.change_status(ctx, seen, user, change[0], change[1], submission)
    ack()
    tell_evaluated(ctx, body, client, suppliers.ref(supplier))
    home.publish(ctx, user)


# --- the NC form's picker and the managers' alert ---


def on_supplier_options(ctx: Context, ack: Ack, body: dict[str, Any]) -> None:
    typed = body.get("value")
    ack(options=suppliers.picker_options(ctx, typed if isinstance(typed, str) else ""))


def on_open_nc(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    ack()
    number = str(action.get("value", ""))
    if not nc.NUMBER.match(number):
        raise Broken(f"{number!r} names no NC")
    answer = nc.record_reply(ctx, number, body["user"]["id"])
    if body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, **answer.as_kwargs())
    else:
        client.chat_postMessage(channel=body["user"]["id"], **answer.as_kwargs())


LISTENERS = [
    command(Command.SUPPLIER, on_supplier),
    view(Callback.SUPPLIER_ADD, on_add, field="name", again=tell_added),
    action(Action.SUPPLIER_EVALUATE, on_evaluate_button, broken=BROKEN_BUTTON),
    view(Callback.SUPPLIER_EVALUATE, on_evaluate, field="score", again=tell_evaluated),
    action(Action.SUPPLIER_STATUS, on_status_button, broken=BROKEN_BUTTON),
    view(Callback.SUPPLIER_STATUS, on_status, field="status", again=tell_evaluated),
    action(Action.SUPPLIER_OPEN_NC, on_open_nc, broken="That button is broken; `/nc NC-…` shows the NC."),
    options(Suggestion.NC_SUPPLIER, on_supplier_options),
]
