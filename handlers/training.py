"""/training, the "I've read and understood" and "Ask a question" buttons, and their modals."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import home, training
from bot.errors import NotAllowed
from bot.qms import help_reply
from bot.registry import Action, Callback
from bot.surfaces.mrkdwn import mention, safe
from bot.training import blocks
from handlers.common import answerer, clicked_message, ephemeral, form_values, open_modal, record_id

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

USAGE = (
    "Use `/training new` (publish), `/training me`, `/training list`, `/training status TR-2026-0001`, "
    "`/training close TR-2026-0001` or `/training matrix`."
)


def _tell(client: WebClient, user: str, text: str) -> None:
    try:
        client.chat_postMessage(channel=user, text=text)
    except SlackApiError as exc:
        log.warning("could not tell %s: %s", user, exc.response.get("error"))


def publish_and_report(
    ctx: Context, client: WebClient, publisher: str, publication: training.Publication
) -> str | None:
    """Publish a round after the form has closed, tell the publisher by DM how it went; its number."""
    try:
        published, audience = training.publish(ctx, publisher, publication)
    except Exception:  # the modal is closed: whatever happens, the publisher hears of it
        log.exception("publishing %s rev %s failed", publication.doc_ref, publication.revision)
        _tell(
            client,
            publisher,
            "Publishing failed on our side and nothing was sent or stored. Please try `/training new` again in a minute.",
        )
        return None
    skipped = [
        f"{n} {what}"
        for n, what in (
            (audience.bots, "bots"),
            (audience.deactivated, "deactivated accounts"),
            (audience.unknown, "people outside this workspace"),
        )
        if n
    ]
    left = (" and ".join(skipped) + " left out") if skipped else "nobody left out"
    if audience.unreadable:
        text = (
            f"Nothing was published: I could not read the members of {', '.join(mention(c) for c in audience.unreadable)}. "
            "Invite me to that channel (`/invite @qms`) or leave it out, then publish again."
        )
    elif published is not None:
        text = (
            f":mega: *{published.number}* published: {safe(published.doc_ref, 40)} rev {safe(published.revision, 20)} "
            f"to {len(audience.people)} people ({left}). Each gets a card in their working hours. "
            f"`/training status {published.number}` shows who has read it."
        )
    elif audience.people:
        text = f"{safe(publication.doc_ref, 40)} rev {safe(publication.revision, 20)} was published at the same moment by someone else; nothing more was sent."
    else:
        text = f"Nothing was published: nobody in that audience can read it ({left})."
    _tell(client, publisher, text)
    return published.number if published is not None else None


def register(app: App, ctx: Context) -> None:
    @app.command("/training")
    def on_training(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        words = (command.get("text") or "").split()
        sub = words[0].lower() if words else "me"
        arg = words[1] if len(words) > 1 else ""
        user = command["user_id"]
        if sub == "help":
            ack(response_type="ephemeral", **help_reply().as_kwargs())
            return
        if sub not in ("new", "me", "list", "status", "close", "matrix") or (
            sub in ("status", "close") and not training.NUMBER.match(arg)
        ):
            ack(response_type="ephemeral", text=USAGE)
            return
        ack()
        try:
            if sub == "new":
                training.may_publish(ctx, user)
                try:
                    groups = ctx.directory.user_groups()
                except SlackApiError as exc:  # the form still works with people and channels
                    log.warning("usergroups.list failed: %s", exc.response.get("error"))
                    groups = []
                view = blocks.publish_modal(groups, training.due_default(ctx))
                try:
                    client.views_open(trigger_id=command["trigger_id"], view=view)
                except SlackApiError as exc:
                    log.warning("views.open failed: %s", exc.response.get("error"))
                    ephemeral(respond, "Slack did not open the form in time. Please try once more.")
                return
            if sub == "close":
                closed = training.close(ctx, user, arg)
                ephemeral(
                    respond, f"{closed.number} is closed: reminders stopped. Acknowledgements so far stay on record."
                )
                return
            reply = {
                "me": lambda: training.me_reply(ctx, user),
                "list": lambda: training.list_reply(ctx),
                "status": lambda: training.status_reply(ctx, user, arg),
                "matrix": lambda: training.matrix_reply(ctx, user),
            }[sub]()
        except (NotAllowed, training.Refused) as refused:
            ephemeral(respond, str(refused))
            return
        respond(response_type="ephemeral", **reply.as_kwargs())

    @app.view(Callback.TRAINING_PUBLISH)
    def on_publish(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
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
            ack(response_action="errors", errors=errors)
            return
        # Resolving a large audience takes Slack calls: answer the modal first, report by DM.
        ack()
        publish_and_report(ctx, client, publisher, publication)

    @app.action(Action.TRAINING_ACK)
    def on_acknowledge(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        user = body["user"]["id"]
        container = body.get("container") or {}
        from_home = container.get("type") == "view"
        tell = answerer(body, respond, client)  # a click in the Home tab has no response URL

        try:
            done = training.acknowledge(ctx, record_id(action.get("value", "")), user)
        except ValueError:
            tell("That button is broken; `/training me` lists what you still have to read.")
            return
        except (NotAllowed, training.Refused) as refused:
            tell(str(refused))
            return
        finally:
            if from_home:
                home.publish(ctx, user)
        if not done.first_time:
            when = (
                done.assignment.acknowledged_at.astimezone(ctx.settings.zone)
                if done.assignment.acknowledged_at
                else None
            )
            tell(
                f"You already acknowledged {safe(done.training.doc_ref, 40)} rev {safe(done.training.revision, 20)}"
                + (f" on {when:%d %b %Y at %H:%M}" if when else "")
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

    @app.action(Action.TRAINING_QUESTION)
    def on_question(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        container = body.get("container") or {}
        tell = answerer(body, respond, client)
        try:
            assignment_id = record_id(action.get("value", ""))
            about = training.question_about(ctx, assignment_id, body["user"]["id"])
        except ValueError:
            tell("That button is broken; ask your QMS manager directly.")
            return
        except NotAllowed as refused:
            tell(str(refused))
            return
        view = blocks.question_modal(
            about, assignment_id, container.get("channel_id") or "", container.get("message_ts") or ""
        )
        open_modal(client, body["trigger_id"], view, tell)

    @app.view(Callback.TRAINING_QUESTION)
    def on_question_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        errors, question = training.check_question(form_values(view).get("question"))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        raw_id, _, where = (view.get("private_metadata") or "").partition("|")
        channel, _, ts = where.partition("|")
        try:
            asked = training.ask(ctx, record_id(raw_id), body["user"]["id"], question)
        except ValueError:
            ack(
                response_action="errors",
                errors={"question": "This form lost track of its training; close it and use the card again."},
            )
            return
        except NotAllowed as refused:
            ack(response_action="errors", errors={"question": str(refused)})
            return
        ack()
        if channel and ts:
            try:
                client.chat_postMessage(
                    channel=channel,
                    thread_ts=ts,
                    text=f"Your question went to {mention(asked.publisher)}; they will answer you directly.",
                )
            except SlackApiError as exc:
                log.warning("could not confirm a question: %s", exc.response.get("error"))
