"""/review, the input pack and the forms to record a review and its actions."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import home, reviews
from bot.errors import NotAllowed
from bot.qms import help_reply
from bot.registry import Action, Callback
from bot.reviews import blocks
from bot.surfaces.mrkdwn import plain_text, unescape
from handlers.common import (
    answerer,
    ephemeral,
    form_values,
    open_form_from_button,
    open_modal,
    origin_ids,
    record_id,
    teller,
)

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

USAGE = (
    "Use `/review list`, `/review schedule`, `/review MR-2026-0001`, `/review pack MR-2026-0001`, "
    "`/review record MR-2026-0001` or `/review cancel MR-2026-0001 <reason>`."
)


def register(app: App, ctx: Context) -> None:
    @app.command("/review")
    def on_review(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        words = (command.get("text") or "").split()
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
            if not ctx.roles.is_manager(user):
                ack(
                    response_type="ephemeral",
                    text="Only QMS managers schedule management reviews. Ask your QMS manager.",
                )
                return
            ack()
            try:
                groups = ctx.directory.user_groups()
            except SlackApiError:  # the form still works with people
                groups = []
            open_modal(client, command["trigger_id"], blocks.schedule_modal(groups, ctx.today()), teller(respond))
            return
        if len(words) == 1 and reviews.NUMBER.match(sub):
            ack()
            respond(response_type="ephemeral", **reviews.record_reply(ctx, sub).as_kwargs())
            return
        if sub in ("pack", "record") and len(words) == 2 and reviews.NUMBER.match(words[1]):
            ack()
            review_id = reviews.find(ctx, words[1])
            if review_id is None:
                ephemeral(respond, f"There is no {words[1].upper()}. `/review list` shows the reviews.")
                return
            try:
                if sub == "pack":
                    respond(response_type="ephemeral", **reviews.pack_reply(ctx, review_id, user).as_kwargs())
                else:
                    open_modal(
                        client, command["trigger_id"], reviews.record_form(ctx, review_id, user), teller(respond)
                    )
            except (NotAllowed, reviews.Refused) as refused:
                ephemeral(respond, str(refused))
            return
        if sub == "cancel" and len(words) >= 3 and reviews.NUMBER.match(words[1]):
            ack()
            try:
                cancelled = reviews.cancel(ctx, user, words[1], unescape(" ".join(words[2:]))[:500])
            except (NotAllowed, reviews.Refused) as refused:
                ephemeral(respond, str(refused))
                return
            ephemeral(
                respond, f"{cancelled.number} is cancelled; its pack and reminders stop. The reason is on its record."
            )
            return
        ack(response_type="ephemeral", text=USAGE)

    @app.view(Callback.REVIEW_SCHEDULE)
    def on_schedule(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        if not ctx.roles.is_manager(user):  # before expanding groups: a refusal costs no Slack calls
            ack(response_action="errors", errors={"planned_date": "Only QMS managers schedule management reviews."})
            return
        errors, plan = reviews.check_schedule(ctx, form_values(view))
        if errors or plan is None:
            ack(response_action="errors", errors=errors)
            return
        try:
            review = reviews.schedule(ctx, user, plan)
        except NotAllowed as refused:
            ack(response_action="errors", errors={"planned_date": plain_text(str(refused), ctx.directory.name)})
            return
        ack()
        answerer(body, None, client)(
            f"Scheduled {review.number} on {review.planned_date:%d %b %Y} with {len(review.attendees)} attendees; "
            f"they get the input pack {ctx.settings.review_pack_days} days ahead."
        )

    broken = "That button is broken; `/review list` shows the reviews."

    @app.action(Action.REVIEW_PACK)
    def on_pack(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        tell = answerer(body, respond, client)
        try:
            reply = reviews.pack_reply(ctx, record_id(action.get("value")), body["user"]["id"])
        except ValueError:
            tell(broken)
            return
        except (NotAllowed, reviews.Refused) as refused:
            tell(str(refused))
            return
        try:
            client.chat_postMessage(channel=body["user"]["id"], **reply.as_kwargs())
        except SlackApiError as exc:
            log.warning("could not post the pack: %s", exc.response.get("error"))
            tell("Slack did not take the pack just now. Please try once more.")

    @app.action(Action.REVIEW_RECORD)
    def on_record_open(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        make = lambda: reviews.record_form(ctx, record_id(action.get("value")), body["user"]["id"])  # noqa: E731
        open_form_from_button(client, body, respond, make, (NotAllowed, reviews.Refused), broken)

    @app.view(Callback.REVIEW_RECORD)
    def on_record(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        if not ctx.roles.is_manager(body["user"]["id"]):  # before checking the owners: a refusal costs no Slack calls
            ack(response_action="errors", errors={"minutes": "Only QMS managers record management reviews."})
            return
        errors, minutes = reviews.check_minutes(ctx, form_values(view))
        if errors or minutes is None:
            ack(response_action="errors", errors=errors)
            return
        (review_id,) = origin_ids(view, "review")
        if review_id is None:
            ack(
                response_action="errors",
                errors={"minutes": "This form lost its review; open it again with `/review record MR-…`."},
            )
            return
        user = body["user"]["id"]
        try:
            held = reviews.record(ctx, review_id, user, minutes)
        except (NotAllowed, reviews.Refused) as refused:
            ack(response_action="errors", errors={"minutes": plain_text(str(refused), ctx.directory.name)})
            return
        ack()
        nxt = (
            f" The next one, {held.successor.number}, is planned for {held.successor.planned_date:%d %b %Y}."
            if held.successor
            else ""
        )
        answerer(body, None, client)(f"{held.review.number} is recorded with {len(held.actions)} output actions.{nxt}")
        home.publish(ctx, user)

    @app.action(Action.REVIEW_ACTION_DONE)
    def on_done_open(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        make = lambda: reviews.done_form(ctx, record_id(action.get("value")), body["user"]["id"])  # noqa: E731
        open_form_from_button(client, body, respond, make, (NotAllowed, reviews.Refused), broken)

    @app.view(Callback.REVIEW_ACTION_DONE)
    def on_done(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        evidence = (form_values(view).get("evidence") or "").strip()
        if not evidence or len(evidence) > reviews.EVIDENCE_MAX:
            ack(
                response_action="errors",
                errors={"evidence": f"Say what was done (under {reviews.EVIDENCE_MAX} characters)."},
            )
            return
        (action_id,) = origin_ids(view, "action")
        if action_id is None:
            ack(
                response_action="errors",
                errors={"evidence": "This form lost its action; open it again from the reminder."},
            )
            return
        user = body["user"]["id"]
        try:
            reviews.complete_action(ctx, action_id, user, evidence)
        except (NotAllowed, reviews.Refused) as refused:
            ack(response_action="errors", errors={"evidence": plain_text(str(refused), ctx.directory.name)})
            return
        ack()
        home.publish(ctx, user)
