"""/doc and the document review buttons."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import documents, home, training
from bot.documents import blocks
from bot.errors import NotAllowed
from bot.qms import help_reply
from bot.registry import Action, Callback
from bot.surfaces.mrkdwn import plain_text
from handlers.common import answerer, clicked_message, form_values, open_modal, origin_message, teller
from handlers.training import publish_and_report

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)
T = TypeVar("T")

USAGE = "Use `/doc list`, `/doc add` or `/doc SOP-012`."


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


def _checked(tell: Callable[[str], Any], step: Callable[[], T]) -> T | None:
    """Run a review button's step; a mangled value or a refusal is told to the person (None)."""
    try:
        return step()
    except ValueError:
        tell("That button is broken; `/doc list` shows the register.")
    except (NotAllowed, documents.Refused) as refused:
        tell(str(refused))
    return None


def register(app: App, ctx: Context) -> None:
    @app.command("/doc")
    def on_doc(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        text = (command.get("text") or "").strip()
        sub = text.lower() or "list"
        if sub == "help":
            ack(response_type="ephemeral", **help_reply().as_kwargs())
            return
        if sub == "add":
            if not ctx.roles.is_manager(command["user_id"]):
                ack(
                    response_type="ephemeral",
                    text="Only QMS managers add documents to the register. Ask your QMS manager.",
                )
                return
            ack()
            open_modal(client, command["trigger_id"], blocks.add_modal(ctx.today()), teller(respond))
            return
        if sub == "list":
            ack()
            respond(response_type="ephemeral", **documents.list_reply(ctx).as_kwargs())
            return
        if len(text) > 40 or not documents.REFERENCE.match(text):
            ack(response_type="ephemeral", text=USAGE)
            return
        ack()
        respond(response_type="ephemeral", **documents.document_reply(ctx, text, command["user_id"]).as_kwargs())

    @app.view(Callback.DOC_ADD)
    def on_add(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        if not ctx.roles.is_manager(body["user"]["id"]):  # before checking the owner: a refusal costs no Slack calls
            ack(response_action="errors", errors={"reference": "Only QMS managers can add documents to the register."})
            return
        errors, registration = documents.check_add(ctx, form_values(view))
        if errors or registration is None:
            ack(response_action="errors", errors=errors)
            return
        user = body["user"]["id"]
        try:
            doc = documents.add(ctx, user, registration)
        except (NotAllowed, documents.Refused) as refused:
            ack(response_action="errors", errors={"reference": plain_text(str(refused), ctx.directory.name)})
            return
        ack()
        answerer(body, None, client)(
            f"{doc.reference} rev {doc.revision} is in the register; its owner is reminded before the review on {doc.next_review:%d %b %Y}."
        )

    @app.action(Action.DOC_REVIEWED_NO_CHANGE)
    def on_no_change(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        tell = answerer(body, respond, client)
        reply = _checked(
            tell, lambda: documents.reviewed_no_change(ctx, str(action.get("value", "")), body["user"]["id"])
        )
        if reply is None:
            return
        if not _replace_clicked(client, clicked_message(body), reply.text):
            tell(reply.text)
        home.publish(ctx, body["user"]["id"])

    @app.action(Action.DOC_REVISED)
    def on_revised(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        tell = answerer(body, respond, client)
        doc = _checked(tell, lambda: documents.open_for_review(ctx, str(action.get("value", "")), body["user"]["id"]))
        if doc is None:
            return
        try:
            groups = ctx.directory.user_groups()
        except SlackApiError:  # the form still works with people and channels
            groups = []
        view = blocks.revise_modal(doc, groups, training.due_default(ctx), clicked_message(body))
        open_modal(client, body["trigger_id"], view, tell)

    @app.view(Callback.DOC_REVISE)
    def on_revise(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        meta = json.loads(view.get("private_metadata") or "{}")
        seen = f"{meta.get('document')}@{meta.get('seen')}"
        try:
            doc = documents.open_for_review(ctx, seen, user)
        except (ValueError, TypeError):
            ack(
                response_action="errors",
                errors={"revision": "This form lost its document; open it again from `/doc list`."},
            )
            return
        except (NotAllowed, documents.Refused) as refused:
            ack(response_action="errors", errors={"revision": plain_text(str(refused), ctx.directory.name)})
            return
        errors, revision = documents.check_revision(ctx, user, doc, form_values(view))
        if errors or revision is None:
            ack(response_action="errors", errors=errors)
            return
        try:
            doc = documents.revised(ctx, seen, user, revision)
        except (NotAllowed, documents.Refused) as refused:
            ack(response_action="errors", errors={"revision": plain_text(str(refused), ctx.directory.name)})
            return
        ack()
        _replace_clicked(
            client,
            origin_message(view),
            f"{doc.reference} revised to rev {doc.revision}; next review {doc.next_review:%d %b %Y}.",
        )
        if revision.publication is not None:
            round_number = publish_and_report(ctx, client, user, revision.publication)
            if round_number:
                documents.note_training(ctx, doc, round_number)
        else:
            answerer(body, None, client)(
                f"{doc.reference} is now rev {doc.revision}; next review {doc.next_review:%d %b %Y}. Nobody was asked to read it."
            )
        home.publish(ctx, user)
