"""/equipment and the calibration buttons."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import equipment, home
from bot import nonconformity as nc
from bot.context import Context
from bot.equipment import blocks
from bot.errors import Broken, Invalid, NotAllowed, valid
from bot.qms import help_reply
from bot.registry import Action, Callback, Command
from bot.submissions import Submission
from handlers.common import (
    answerer,
    clicked_message,
    command_text,
    drawn_id,
    form_values,
    kept_with,
    open_modal,
    origin_ids,
    origin_message,
    take_with_files,
    teller,
)
from handlers.listeners import action, command, view

log = logging.getLogger(__name__)

USAGE = "Use `/equipment list`, `/equipment add`, `/equipment G-012`, `/equipment out G-012 <reason>` or `/equipment back G-012`."
BROKEN_BUTTON = "That button is broken; `/equipment list` shows the register."
LOST_EQUIPMENT = "This form lost its equipment; open it again from `/equipment G-012`."


def on_equipment(ctx: Context, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
    text = command_text(command)
    sub = text.lower() or "list"
    if sub == "help":
        ack(response_type="ephemeral", **help_reply().as_kwargs())
    elif sub == "add":
        if not ctx.roles.is_manager(command["user_id"]):
            raise NotAllowed("Only QMS managers add equipment to the register. Ask your QMS manager.")
        ack()
        open_modal(client, command["trigger_id"], blocks.add_modal(ctx.today()), teller(respond))
    elif sub == "list":
        ack()
        respond(response_type="ephemeral", **equipment.list_reply(ctx).as_kwargs())
    elif sub.split()[0] in ("out", "back") and len(text.split()) >= 2:
        _set_in_service(ctx, ack, command, text.split(maxsplit=2))
    elif len(text) > 40 or not equipment.TAG.match(text):
        ack(response_type="ephemeral", text=USAGE)
    else:
        ack()
        respond(response_type="ephemeral", **equipment.equipment_reply(ctx, text, command["user_id"]).as_kwargs())


def _set_in_service(ctx: Context, ack: Ack, command: dict[str, Any], words: list[str]) -> None:
    """`/equipment out G-012 <reason>` takes it out of service; `/equipment back G-012` returns it."""
    back = words[0].lower() == "back"
    reason = words[2].strip() if len(words) > 2 else None
    if not back and not reason:
        ack(response_type="ephemeral", text="Say why it is out of service: `/equipment out G-012 sent for repair`.")
        return
    eq = equipment.set_in_service(ctx, words[1], command["user_id"], back, reason)  # a refusal is the ack
    said = (
        "back in use: its calibration reminders start again" if back else "out of service: nobody is reminded about it"
    )
    ack(response_type="ephemeral", text=f"{eq.tag} is {said}.")


def on_add(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    user = body["user"]["id"]
    if not ctx.roles.is_manager(user):  # before checking the owner: a refusal costs no Slack calls
        raise NotAllowed("Only QMS managers can add equipment to the register.")
    registration = valid(*equipment.check_add(ctx, form_values(view)))
    assert registration is not None  # checked just above
    eq = equipment.add(ctx, user, registration, submission)  # a refusal shows on "tag"
    ack()
    tell_added(ctx, body, client, eq.tag)
    home.publish(ctx, registration.owner)


def tell_added(ctx: Context, body: dict[str, Any], client: WebClient, tag: str) -> None:
    """The confirmation of added equipment: the same for the form sent twice."""
    answerer(body, None, client)(equipment.added_confirmation(ctx, tag))


def on_calibrate_button(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    equipment_id, seen = drawn_id(action.get("value"))
    eq = equipment.open_for_calibration(ctx, equipment_id, seen, body["user"]["id"])
    form = blocks.calibrate_modal(eq, ctx.today(), clicked_message(body))
    open_modal(client, body["trigger_id"], form, answerer(body, respond, client))


def on_calibrate(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    user = body["user"]["id"]
    equipment_id, seen = origin_ids(view, "equipment", "seen")
    if equipment_id is None:
        raise Invalid({"calibrated_on": LOST_EQUIPMENT})
    values = form_values(view)
    form = valid(*equipment.check_calibration(ctx, values))
    assert form is not None  # checked just above
    try:
        done = take_with_files(
            ack,
            values,
            user,
            lambda: equipment.record_calibration(ctx, equipment_id, seen, user, form, submission),
            kept_with(
                ctx,
                equipment.RECORD_TYPE,
                user,
                lambda d: (d.equipment.tag, f"calibration {d.calibration.calibrated_on}"),
            ),
        )
    except Broken:
        raise Invalid({"calibrated_on": LOST_EQUIPMENT}) from None
    told = blocks.calibrated(done.equipment, done.calibration, done.nc_number)
    if done.nc_id is not None:
        nc.announce_raised(ctx, done.nc_id)  # the NC's card, its owner told
    _replace_clicked(client, origin_message(view), told)
    answerer(body, None, client)(told)
    home.publish(ctx, user)


def tell_calibrated(ctx: Context, body: dict[str, Any], client: WebClient, tag: str) -> None:
    """A calibration form sent twice: the modal closes and the person is told it is recorded."""
    answerer(body, None, client)(f"The calibration of {tag} is recorded. `/equipment {tag}` shows it.")


def _replace_clicked(client: WebClient, where: tuple[str, str] | None, text: str) -> None:
    """The reminder whose button opened the form becomes what was recorded, so its button goes."""
    if where is None:
        return
    try:
        client.chat_update(channel=where[0], ts=where[1], text=text, blocks=[])
    except SlackApiError as exc:
        log.warning("could not update the calibration reminder: %s", exc.response.get("error"))


LISTENERS = [
    command(Command.EQUIPMENT, on_equipment),
    view(Callback.EQUIPMENT_ADD, on_add, field="tag", again=tell_added),
    action(Action.EQUIPMENT_CALIBRATE, on_calibrate_button, broken=BROKEN_BUTTON),
    view(Callback.EQUIPMENT_CALIBRATE, on_calibrate, field="calibrated_on", again=tell_calibrated),
]
