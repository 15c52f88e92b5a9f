"""/review, the input pack and the forms to record a review and its actions."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import home, reviews
from bot.context import Context
from bot.errors import Invalid, NotAllowed, Refused, valid
from bot.qms import help_reply
from bot.registry import Action, Callback, Command
from bot.reviews import blocks
from bot.submissions import Submission
from handlers.common import (
    answerer,
    command_text,
    drawn_id,
    ephemeral,
    form_values,
    kept_with,
    open_modal,
    origin_ids,
    record_id,
    take_with_files,
    teller,
)
from handlers.listeners import action, command, view

log = logging.getLogger(__name__)

USAGE = (
    "Use `/review list`, `/review schedule`, `/review MR-2026-0001`, `/review pack MR-2026-0001`, "
    "`/review record MR-2026-0001` or `/review cancel MR-2026-0001 <reason>`."
)
BROKEN_BUTTON = "That button is broken; `/review list` shows the reviews."


def on_review(ctx: Context, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
    words = command_text(command).split()
    sub = words[0].lower() if words else "list"
    user = command["user_id"]
    if sub == "help" and len(words) == 1:
        ack(response_type="ephemeral", **help_reply().as_kwargs())
        return
    if sub == "list" and len(words) <= 1:
        ack()
        respond(response_type="ephemeral", **reviews.list_reply(ctx).as_kwargs())
        return
    if sub == "schedule" and len(words) == 1:
        _open_schedule(ctx, ack, command, client, respond)
        return
    if len(words) == 1 and reviews.NUMBER.match(sub):
        ack()
        respond(response_type="ephemeral", **reviews.record_reply(ctx, sub, user).as_kwargs())
        return
    if sub in ("pack", "record") and len(words) == 2 and reviews.NUMBER.match(words[1]):
        ack()
        review_id = reviews.find(ctx, words[1])
        if review_id is None:
            raise Refused(f"There is no {words[1].upper()}. `/review list` shows the reviews.")
        if sub == "pack":
            respond(response_type="ephemeral", **reviews.pack_reply(ctx, review_id, user).as_kwargs())
        else:
            open_modal(client, command["trigger_id"], reviews.record_form(ctx, review_id, user), teller(respond))
        return
    if sub == "cancel" and len(words) >= 3 and reviews.NUMBER.match(words[1]):
        ack()
        cancelled = reviews.cancel(ctx, user, words[1], " ".join(words[2:])[:500])
        ephemeral(
            respond, f"{cancelled.number} is cancelled; its pack and reminders stop. The reason is on its record."
        )
        return
    ack(response_type="ephemeral", text=USAGE)


def _open_schedule(ctx: Context, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
    if not ctx.roles.is_manager(command["user_id"]):  # told in the ack
        raise NotAllowed("Only QMS managers schedule management reviews. Ask your QMS manager.")
    ack()
    try:
        groups = ctx.directory.user_groups()
    except SlackApiError:  # the form still works with people
        groups = []
    open_modal(client, command["trigger_id"], blocks.schedule_modal(groups, ctx.today()), teller(respond))


def on_schedule(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    user = body["user"]["id"]
    if not ctx.roles.is_manager(user):  # before expanding groups: a refusal costs no Slack calls
        raise NotAllowed("Only QMS managers schedule management reviews.")
    plan = valid(*reviews.check_schedule(ctx, form_values(view)))
    assert plan is not None  # no errors: checked
    review = reviews.schedule(ctx, user, plan, submission)  # a refusal shows on "planned_date"
    ack()
    tell_scheduled(ctx, body, client, review.number)


def tell_scheduled(ctx: Context, body: dict[str, Any], client: WebClient, number: str) -> None:
    """The confirmation of a scheduled review: the same for the form sent twice."""
    answerer(body, None, client)(reviews.scheduled_confirmation(ctx, number))


def on_pack(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    reply = reviews.pack_reply(ctx, record_id(action.get("value")), body["user"]["id"])
    try:
        client.chat_postMessage(channel=body["user"]["id"], **reply.as_kwargs())
    except SlackApiError as exc:
        log.warning("could not post the pack: %s", exc.response.get("error"))
        answerer(body, respond, client)("Slack did not take the pack just now. Please try once more.")


def on_record_open(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    review_id, seen = drawn_id(action.get("value"))
    form = reviews.record_form(ctx, review_id, body["user"]["id"], seen)
    open_modal(client, body["trigger_id"], form, answerer(body, respond, client))


def on_record(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    user = body["user"]["id"]
    if not ctx.roles.is_manager(user):  # before checking the owners: a refusal costs no Slack calls
        raise NotAllowed("Only QMS managers record management reviews.")
    values = form_values(view)
    minutes = valid(*reviews.check_minutes(ctx, values))
    assert minutes is not None  # no errors: checked
    # The review's version the form was opened for; none in a form opened before reviews had one.
    review_id, seen = origin_ids(view, "review", "seen")
    if review_id is None:
        raise Invalid({"minutes": "This form lost its review; open it again from the review's input pack."})
    held = take_with_files(
        ack,
        values,
        user,
        lambda: reviews.record(ctx, review_id, user, minutes, seen, submission),  # a refusal shows on "minutes"
        kept_with(ctx, reviews.RECORD_TYPE, user, lambda held: (held.review.number, "minutes")),
    )
    tell_held(ctx, body, client, held.review.number)
    home.publish(ctx, user)


def tell_held(ctx: Context, body: dict[str, Any], client: WebClient, number: str) -> None:
    """The confirmation of a recorded review: the same for the form sent twice."""
    answerer(body, None, client)(reviews.held_confirmation(ctx, number))


def on_done_open(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    action_id, seen = drawn_id(action.get("value"))
    form = reviews.done_form(ctx, action_id, body["user"]["id"], seen)
    open_modal(client, body["trigger_id"], form, answerer(body, respond, client))


def on_done(ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None) -> None:
    values = form_values(view)
    said = valid(*reviews.check_evidence(values))
    action_id, seen = origin_ids(view, "action", "seen")  # no "seen": a form opened before actions had one
    if action_id is None:
        raise Invalid({"evidence": "This form lost its action; open it again from the reminder."})
    user = body["user"]["id"]
    take_with_files(
        ack,
        values,
        user,
        lambda: reviews.complete_action(ctx, action_id, user, said, seen, submission),  # a refusal shows on "evidence"
        kept_with(ctx, reviews.RECORD_TYPE, user, lambda done: (done.review.number, f"A{done.action.seq} done")),
    )
    home.publish(ctx, user)


LISTENERS = [
    command(Command.REVIEW, on_review),
    view(Callback.REVIEW_SCHEDULE, on_schedule, field="planned_date", again=tell_scheduled),
    action(Action.REVIEW_PACK, on_pack, broken=BROKEN_BUTTON),
    action(Action.REVIEW_RECORD, on_record_open, broken=BROKEN_BUTTON),
    view(Callback.REVIEW_RECORD, on_record, field="minutes", again=tell_held),
    action(Action.REVIEW_ACTION_DONE, on_done_open, broken=BROKEN_BUTTON),
    view(Callback.REVIEW_ACTION_DONE, on_done, field="evidence"),
]
