"""/doc and the document review buttons."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import documents, home, training
from bot.context import Context
from bot.documents import blocks
from bot.errors import Broken, Invalid, NotAllowed, valid
from bot.qms import help_reply
from bot.registry import Action, Callback, Command
from bot.submissions import Submission
from handlers.common import (
    answerer,
    clicked_message,
    command_text,
    form_values,
    kept_with,
    open_modal,
    origin_message,
    take_with_files,
    teller,
)
from handlers.listeners import action, command, view

log = logging.getLogger(__name__)

USAGE = "Use `/doc list`, `/doc add` or `/doc SOP-012`."
BROKEN_BUTTON = "That button is broken; `/doc list` shows the register."
LOST_DOCUMENT = "This form lost its document; open it again from `/doc list`."


def _replace_clicked(client: WebClient, where: tuple[str, str] | None, text: str) -> bool:
    """Turn the review nudge that was clicked into what was recorded, so its buttons go;
    False when there is no such message to change (an ephemeral view, the Home tab)."""
    if where is None:
        return False
    try:
        client.chat_update(channel=where[0], ts=where[1], text=text, blocks=[])
        return True
    except SlackApiError as exc:
        log.warning("could not update the review nudge: %s", exc.response.get("error"))
        return False


def on_doc(ctx: Context, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
    text = command_text(command)
    sub = text.lower() or "list"
    if sub == "help":
        ack(response_type="ephemeral", **help_reply().as_kwargs())
    elif sub == "add":
        if not ctx.roles.is_manager(command["user_id"]):
            raise NotAllowed("Only QMS managers add documents to the register. Ask your QMS manager.")
        ack()
        open_modal(client, command["trigger_id"], blocks.add_modal(ctx.today()), teller(respond))
    elif sub == "list":
        ack()
        respond(response_type="ephemeral", **documents.list_reply(ctx).as_kwargs())
    elif len(text) > 40 or not documents.REFERENCE.match(text):
        ack(response_type="ephemeral", text=USAGE)
    else:
        ack()
        respond(response_type="ephemeral", **documents.document_reply(ctx, text, command["user_id"]).as_kwargs())


def on_add(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    user = body["user"]["id"]
    if not ctx.roles.is_manager(user):  # before checking the owner: a refusal costs no Slack calls
        raise NotAllowed("Only QMS managers can add documents to the register.")
    values = form_values(view)
    registration = valid(*documents.check_add(ctx, values))
    assert registration is not None  # checked just above
    doc = take_with_files(
        ack,
        values,
        user,
        lambda: documents.add(ctx, user, registration, submission),  # a refusal shows on "reference"
        kept_with(ctx, documents.RECORD_TYPE, user, lambda doc: (doc.reference, f"rev {doc.revision}")),
    )
    tell_added(ctx, body, client, doc.reference)


def tell_added(ctx: Context, body: dict[str, Any], client: WebClient, reference: str) -> None:
    """The confirmation of an added document: the same for the form sent twice."""
    answerer(body, None, client)(documents.added_confirmation(ctx, reference))


# --- the review nudge's buttons ---


def on_no_change(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    user = body["user"]["id"]
    reply = documents.reviewed_no_change(ctx, str(action.get("value", "")), user)
    if not _replace_clicked(client, clicked_message(body), reply.text):
        answerer(body, respond, client)(reply.text)
    home.publish(ctx, user)


def on_revised(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    doc = documents.open_for_review(ctx, str(action.get("value", "")), body["user"]["id"])
    try:
        groups = ctx.directory.user_groups()
    except SlackApiError:  # the form still works with people and channels
        groups = []
    form = blocks.revise_modal(doc, groups, training.due_default(ctx), clicked_message(body))
    open_modal(client, body["trigger_id"], form, answerer(body, respond, client))


def on_revise(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    user = body["user"]["id"]
    meta = json.loads(view.get("private_metadata") or "{}")
    seen = f"{meta.get('document')}@{meta.get('seen')}"
    try:
        doc = documents.open_for_review(ctx, seen, user)  # a refusal shows on "revision"
    except Broken:
        raise Invalid({"revision": LOST_DOCUMENT}) from None
    values = form_values(view)
    revision = valid(*documents.check_revision(ctx, user, doc, values))
    assert revision is not None  # checked just above
    doc = take_with_files(
        ack,
        values,
        user,
        lambda: documents.revised(ctx, seen, user, revision, submission),
        kept_with(ctx, documents.RECORD_TYPE, user, lambda doc: (doc.reference, f"rev {doc.revision}")),
    )
    _replace_clicked(
        client,
        origin_message(view),
        f"{doc.reference} revised to rev {doc.revision}; next review {doc.next_review:%d %b %Y}.",
    )
    if revision.publication is not None:
        round_number = training.publish_and_report(ctx, client, user, revision.publication)
        if round_number:
            documents.note_training(ctx, doc, round_number)
    else:
        tell_revised(ctx, body, client, doc.reference, " Nobody was asked to read it.")
    home.publish(ctx, user)


def tell_revised(ctx: Context, body: dict[str, Any], client: WebClient, reference: str, more: str = "") -> None:
    """The document as revised; for the form sent twice, without the training it may have started."""
    answerer(body, None, client)(documents.revised_confirmation(ctx, reference) + more)


LISTENERS = [
    command(Command.DOC, on_doc),
    view(Callback.DOC_ADD, on_add, field="reference", again=tell_added),
    action(Action.DOC_REVIEWED_NO_CHANGE, on_no_change, broken=BROKEN_BUTTON),
    action(Action.DOC_REVISED, on_revised, broken=BROKEN_BUTTON),
    view(Callback.DOC_REVISE, on_revise, field="revision", again=tell_revised),
]
