"""The NC card's affected output and disposition buttons, their forms, and the approvers'
Authorise / Reject buttons (ISO 9001 8.7)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import home, outputs
from bot import nonconformity as nc
from bot.context import Context
from bot.errors import Broken, Invalid
from bot.registry import Action, Callback, item_action_ids
from bot.submissions import Submission
from handlers.common import (
    clicked_message,
    drawn_id,
    form_values,
    kept_with,
    open_modal,
    record_id,
    take_with_files,
    teller,
)
from handlers.listeners import action, view

log = logging.getLogger(__name__)
BROKEN_BUTTON = "That button is broken; open the NC with `/nc NC-…` and try again."
LOST = "This form lost track of its NC; close it and use the card again."


def on_output_button(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    record, found = outputs.check_owner(
        ctx, record_id(action.get("value", "")), body["user"]["id"], "record the affected output"
    )
    open_modal(client, body["trigger_id"], outputs.output_modal(record, found.output), teller(respond))


def on_decide_button(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    record, found = outputs.check_owner(
        ctx, record_id(action.get("value", "")), body["user"]["id"], "record a disposition"
    )
    if found.output is None or found.holding is None:
        raise Broken("no affected output")
    form = outputs.decision_modal(record, found.output, found.holding)
    open_modal(client, body["trigger_id"], form, teller(respond))


def on_reverify_button(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    decision_id, _ = drawn_id(action.get("value", ""))
    found = outputs.find_decision(ctx, decision_id)
    if found is None:
        raise Broken("no disposition")
    decision, unit = found
    record, _ = outputs.check_owner(ctx, decision.nc_id, body["user"]["id"], "record a re-verification")
    form = outputs.reverify_modal(record, decision, unit, ctx.settings.zone)
    open_modal(client, body["trigger_id"], form, teller(respond))


def _nc_of(metadata: str) -> tuple[int, int | None]:
    try:
        return drawn_id(metadata)
    except ValueError:
        raise Invalid({"item": LOST}) from None


def on_output_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    nc_id, seen = _nc_of(view.get("private_metadata") or "")
    user = body["user"]["id"]
    outputs.record_output(ctx, nc_id, user, form_values(view), seen, submission)
    ack()
    nc.refresh_card(ctx, nc_id)


def on_decide_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    nc_id, _ = _nc_of(view.get("private_metadata") or "")
    user, values = body["user"]["id"], form_values(view)
    take_with_files(
        ack,
        values,
        user,
        lambda: outputs.decide(ctx, nc_id, user, values, submission),
        kept_with(ctx, outputs.RECORD_TYPE, user, lambda decided: (decided[0].number, f"D{decided[1]} disposition")),
    )
    nc.refresh_card(ctx, nc_id)


def on_reverify_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    decision_id, seen = _nc_of(view.get("private_metadata") or "")
    user, values = body["user"]["id"], form_values(view)
    changed, _ = take_with_files(
        ack,
        values,
        user,
        lambda: outputs.reverify(ctx, decision_id, user, values, seen, submission),
        kept_with(ctx, outputs.RECORD_TYPE, user, lambda done: (done[0].number, f"D{done[1]} re-verification")),
    )
    assert changed.id is not None
    nc.refresh_card(ctx, changed.id)


def on_authorise(ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
    ack()
    decision_id, seen = drawn_id(action.get("value", ""))
    user = body["user"]["id"]
    changed = outputs.authorise(ctx, decision_id, user, True, seen)
    _after_authorising(ctx, client, changed, decision_id, user, clicked_message(body))


def on_reject_button(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    """Rejecting asks why first: the recorder must know what to decide instead."""
    ack()
    decision_id, seen = drawn_id(action.get("value", ""))
    decision, record, unit = outputs.check_authoriser(ctx, decision_id, body["user"]["id"])
    where = clicked_message(body)
    # The request's DM rides along, so the request there is redrawn once the form is sent.
    metadata = f"{decision_id}@{seen if seen is not None else decision.version}"
    if where and where[0].startswith("D"):
        metadata += f"|{where[0]},{where[1]}"
    form = outputs.reject_modal(record, decision, unit, ctx.settings.zone, metadata)
    open_modal(client, body["trigger_id"], form, teller(respond))


def on_reject_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    drawn_for, _, where = (view.get("private_metadata") or "").partition("|")
    try:
        decision_id, seen = drawn_id(drawn_for)
    except ValueError:
        raise Invalid({"note": LOST}) from None
    user = body["user"]["id"]
    note = outputs.check_rejection(form_values(view).get("note"))
    changed = outputs.authorise(ctx, decision_id, user, False, seen, note, submission)
    ack()
    channel, _, ts = where.partition(",")
    _after_authorising(ctx, ctx.client, changed, decision_id, user, (channel, ts) if channel and ts else None)


def _after_authorising(
    ctx: Context, client: WebClient, changed: Any, decision_id: int, user: str, where: tuple[str, str] | None
) -> None:
    assert changed.id is not None
    nc.refresh_card(ctx, changed.id)
    # Only a request in a DM is redrawn (the Home tab is published anew below).
    found = outputs.find_decision(ctx, decision_id) if where and where[0].startswith("D") else None
    if where and found is not None:
        reply = outputs.authorised_note(changed, *found)
        try:
            client.chat_update(channel=where[0], ts=where[1], **reply.as_kwargs())
        except SlackApiError as exc:
            log.warning("could not redraw the request for %s: %s", decision_id, exc.response.get("error"))
    home.publish(ctx, user)


LISTENERS = [
    action(Action.OUT_RECORD, on_output_button, broken=BROKEN_BUTTON),
    action(Action.OUT_DECIDE, on_decide_button, broken=BROKEN_BUTTON),
    # "Re-verify D1", "Re-verify D2"…: one action_id per decision.
    action(item_action_ids(Action.OUT_REVERIFY), on_reverify_button, broken=BROKEN_BUTTON),
    action(Action.OUT_APPROVE, on_authorise, broken=BROKEN_BUTTON),
    action(Action.OUT_REJECT, on_reject_button, broken=BROKEN_BUTTON),
    view(Callback.OUT_RECORD, on_output_submit, field="item"),
    view(Callback.OUT_DECIDE, on_decide_submit, field="kind"),
    view(Callback.OUT_REVERIFY, on_reverify_submit, field="result"),
    view(Callback.OUT_REJECT, on_reject_submit, field="note"),
]
