"""/training, the "I've read and understood" and "Ask a question" buttons, and their modals."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import competence, home, training
from bot.context import Context
from bot.errors import Broken, Invalid, NotAllowed, valid
from bot.qms import help_reply
from bot.registry import Action, Callback, Command, Event
from bot.submissions import Submission
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import moment
from bot.training import blocks
from handlers.common import (
    answerer,
    clicked_message,
    command_text,
    drawn_id,
    ephemeral,
    form_values,
    open_modal,
    record_id,
    teller,
)
from handlers.listeners import action, command, event, view

log = logging.getLogger(__name__)

USAGE = (
    "Use `/training new` (publish), `/training me`, `/training list`, `/training status TR-2026-0001`, "
    "`/training close TR-2026-0001`, `/training matrix` or `/training require`."
)
SUBCOMMANDS = ("new", "me", "list", "status", "close", "matrix", "require")
BROKEN_ACK = "That button is broken; `/training me` lists what you still have to read."
BROKEN_QUESTION = "That button is broken; ask your QMS manager directly."
BROKEN_STATUS = "That button is broken; `/training list` shows the open rounds."
LOST_TRAINING = "This form lost track of its training; close it and use the card again."


# --- /training ---


def on_training(ctx: Context, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
    words = command_text(command).split()
    sub = words[0].lower() if words else "me"
    arg = words[1] if len(words) > 1 else ""
    user = command["user_id"]
    if sub == "help":
        ack(response_type="ephemeral", **help_reply().as_kwargs())
        return
    if sub not in SUBCOMMANDS or (sub in ("status", "close") and not training.NUMBER.match(arg)):
        ack(response_type="ephemeral", text=USAGE)
        return
    ack()  # a refusal from here on is answered through respond
    if sub == "new":
        _open_publish_form(ctx, client, command["trigger_id"], user, respond)
        return
    if sub == "require":
        _open_require_form(ctx, client, command["trigger_id"], user, respond)
        return
    if sub == "matrix":
        roles = competence.matrix_blocks(ctx, user)  # the manager check comes first
        rounds = training.matrix_reply(ctx, user)
        respond(response_type="ephemeral", text=rounds.text, blocks=(roles + rounds.blocks)[:50])
        return
    if sub == "close":
        closed = training.close(ctx, user, arg)
        ephemeral(respond, f"{closed.number} is closed: reminders stopped. Acknowledgements so far stay on record.")
        return
    reply = {
        "me": lambda: training.me_reply(ctx, user),
        "list": lambda: training.list_reply(ctx, user),
        "status": lambda: training.status_reply(ctx, user, arg),
    }[sub]()
    respond(response_type="ephemeral", **reply.as_kwargs())


def _open_publish_form(ctx: Context, client: WebClient, trigger_id: str, user: str, respond: Respond) -> None:
    training.may_publish(ctx, user)
    try:
        groups = ctx.directory.user_groups()
    except SlackApiError as exc:  # the form still works with people and channels
        log.warning("usergroups.list failed: %s", exc.response.get("error"))
        groups = []
    open_modal(client, trigger_id, blocks.publish_modal(groups, training.due_default(ctx)), teller(respond))


def _open_require_form(ctx: Context, client: WebClient, trigger_id: str, user: str, respond: Respond) -> None:
    if not ctx.roles.is_manager(user):
        raise NotAllowed("Only QMS managers set the competence a role needs. Ask your QMS manager.")
    form = competence.require_form(ctx)
    if form is None:
        ephemeral(respond, competence.nothing_to_require())
        return
    open_modal(client, trigger_id, form, teller(respond))


def on_require(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    user = body["user"]["id"]
    if not ctx.roles.is_manager(user):
        raise NotAllowed("Only QMS managers can set the competence a role needs.")
    offered = set(competence.documents_offered(ctx))
    requirement = valid(*competence.check_requirement(form_values(view), offered))
    assert requirement is not None  # checked just above
    ack()  # asking the role's members takes Slack calls: the modal closes first
    kept, asked = competence.save(ctx, user, requirement, submission)
    answerer(body, None, client)(competence.saved(kept, asked).text)


def on_group_changed(ctx: Context, event: dict[str, Any]) -> None:
    """Someone joined a user group: they get the trainings its role needs at once."""
    group = str(event.get("subteam_id") or "")
    added = [u for u in event.get("added_users") or [] if isinstance(u, str)]
    removed = [u for u in event.get("removed_users") or [] if isinstance(u, str)]
    if not group.startswith("S"):
        return
    ctx.directory.group_changed(group, added, removed)
    if added:
        competence.joined(ctx, "usergroup", group, added)


def on_publish(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    values = form_values(view)
    publisher = body["user"]["id"]
    form = training.PublishForm(
        title=values.get("title"),
        doc_ref=values.get("doc_ref"),
        revision=values.get("revision"),
        link=values.get("link"),
        summary=values.get("summary"),
        users=values.get("users") or [],
        groups=values.get("groups") or [],
        channels=values.get("channels") or [],
        due_date=values.get("due_date"),
    )
    errors, publication = training.check_publish(ctx, publisher, form)
    if errors or publication is None:
        raise Invalid(errors)
    # Resolving a large audience takes Slack calls: answer the modal first, report by DM.
    ack()
    training.publish_and_report(ctx, client, publisher, publication, submission)


def report_again(ctx: Context, body: dict[str, Any], client: WebClient, number: str) -> None:
    training.report_again(ctx, client, body["user"]["id"], number)


# --- the card's buttons ---


def on_acknowledge(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    ack()
    user = body["user"]["id"]
    container = body.get("container") or {}
    from_home = container.get("type") == "view"
    tell = answerer(body, respond, client)  # a click in the Home tab has no response URL

    try:
        assignment_id, seen = drawn_id(action.get("value", ""))
        done = training.acknowledge(ctx, assignment_id, user, seen)
    finally:  # a refusal too: the Home tab shows the record as it stands
        if from_home:
            home.publish(ctx, user)
    if not done.first_time:
        when = done.assignment.acknowledged_at
        tell(
            f"You already acknowledged {safe(done.training.doc_ref, 40)} rev {safe(done.training.revision, 20)}"
            + (f" {moment(when, ctx.settings.zone)}" if when else "")
            + ". Nothing changed."
        )
        return
    clicked = clicked_message(body) or (None, None)
    training.show_acknowledged(ctx, done, clicked)
    if container.get("is_ephemeral"):
        tell(
            f":white_check_mark: Acknowledged {safe(done.training.doc_ref, 40)} rev {safe(done.training.revision, 20)}. Thank you."
        )
    if not from_home:
        home.publish(ctx, user)


def on_status(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """**Status** on a message that names a round: who has read it, answered where it was pressed."""
    ack()
    number = action.get("value", "")
    if not training.NUMBER.match(number):
        raise Broken(BROKEN_STATUS)
    reply = training.status_reply(ctx, body["user"]["id"], number)  # who may see it: checked there
    if body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, **reply.as_kwargs())
        return
    try:  # the Home tab gives no response URL: by DM
        client.chat_postMessage(channel=body["user"]["id"], **reply.as_kwargs())
    except SlackApiError as exc:
        log.warning("could not show a round's status: %s", exc.response.get("error"))


def on_question(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    container = body.get("container") or {}
    assignment_id = record_id(action.get("value", ""))
    about = training.question_about(ctx, assignment_id, body["user"]["id"])
    view = blocks.question_modal(
        about, assignment_id, container.get("channel_id") or "", container.get("message_ts") or ""
    )
    open_modal(client, body["trigger_id"], view, answerer(body, respond, client))


def on_question_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    errors, question = training.check_question(form_values(view).get("question"))
    if errors:
        raise Invalid(errors)
    raw_id = (view.get("private_metadata") or "").partition("|")[0]
    try:
        assignment_id = record_id(raw_id)
    except Broken:
        raise Invalid({"question": LOST_TRAINING}) from None
    asked = training.ask(ctx, assignment_id, body["user"]["id"], question, submission)  # a refusal shows on "question"
    ack()
    confirm_question(ctx, body, client, asked.number)


def confirm_question(ctx: Context, body: dict[str, Any], client: WebClient, number: str) -> None:
    """Told under the card the question came from: the same for the form sent twice."""
    channel, _, ts = (body["view"].get("private_metadata") or "").partition("|")[2].partition("|")
    if not (channel and ts):
        return
    try:
        client.chat_postMessage(
            channel=channel,
            thread_ts=ts,
            text=f"Your question went to {mention(training.publisher_of(ctx, number))}; they will answer you directly.",
        )
    except SlackApiError as exc:
        log.warning("could not confirm a question: %s", exc.response.get("error"))


LISTENERS = [
    command(Command.TRAINING, on_training),
    view(Callback.COMPETENCE_REQUIRE, on_require, field="groups"),
    event(Event.SUBTEAM_MEMBERS_CHANGED, on_group_changed),
    view(Callback.TRAINING_PUBLISH, on_publish, again=report_again),
    action(Action.TRAINING_ACK, on_acknowledge, broken=BROKEN_ACK),
    action(Action.TRAINING_QUESTION, on_question, broken=BROKEN_QUESTION),
    action(Action.TRAINING_STATUS, on_status, broken=BROKEN_STATUS),
    view(Callback.TRAINING_QUESTION, on_question_submit, field="question", again=confirm_question),
]
