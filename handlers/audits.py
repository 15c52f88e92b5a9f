"""/audit, the checklist message and the completion form."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import audits, home
from bot import nonconformity as nc
from bot.audits import blocks
from bot.errors import NotAllowed
from bot.nonconformity import blocks as nc_blocks
from bot.qms import help_reply
from bot.registry import Action, Callback
from bot.surfaces.mrkdwn import plain_text, unescape
from handlers.common import (
    answerer,
    clicked_message,
    ephemeral,
    form_values,
    open_form_from_button,
    open_modal,
    origin_ids,
    origin_message,
    record_id,
    teller,
)

if TYPE_CHECKING:
    from bot.context import Context

log = logging.getLogger(__name__)

USAGE = "Use `/audit list`, `/audit plan`, `/audit AU-2026-0001`, `/audit checklist AU-2026-0001` or `/audit cancel AU-2026-0001 <reason>`."


def show_checklist(ctx: Context, user: str, line_id: int, where: tuple[str, str]) -> None:
    """Redraw the checklist message a line was answered from."""
    with ctx.db.session() as session:
        line = audits.store.question(session, line_id)
    if line is None:
        return
    try:
        reply = audits.checklist_reply(ctx, line.audit_id, user)
        ctx.client.chat_update(channel=where[0], ts=where[1], **reply.as_kwargs())
    except (SlackApiError, NotAllowed, audits.Refused) as exc:
        log.warning("could not redraw the checklist of line %s: %s", line_id, exc)


def _post_checklist(ctx: Context, client: WebClient, user: str, audit_id: int, tell: Any) -> None:
    """The checklist goes to the person's DM with the bot: a message that stays, to be answered line by line."""
    try:
        reply = audits.checklist_reply(ctx, audit_id, user)
    except (NotAllowed, audits.Refused) as refused:
        tell(str(refused))
        return
    try:
        client.chat_postMessage(channel=user, **reply.as_kwargs())
    except SlackApiError as exc:
        log.warning("could not post the checklist: %s", exc.response.get("error"))
        tell("Slack did not take the checklist just now. Please try once more.")
        return
    tell("The checklist is in your messages with the bot: answer each line there.")


def _audit_id(ctx: Context, number: str) -> int | None:
    with ctx.db.session() as session:
        found = audits.store.by_number(session, number)
        return found.id if found else None


def register(app: App, ctx: Context) -> None:
    @app.command("/audit")
    def on_audit(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        words = (command.get("text") or "").split()
        sub = words[0].lower() if words else "list"
        user = command["user_id"]
        if sub == "help" and len(words) == 1:
            ack(response_type="ephemeral", **help_reply().as_kwargs())
            return
        if sub == "plan" and len(words) == 1:
            if not ctx.roles.is_manager(user):
                ack(response_type="ephemeral", text="Only QMS managers can plan internal audits. Ask your QMS manager.")
                return
            ack()
            open_modal(
                client, command["trigger_id"], blocks.plan_modal(ctx.settings.processes, ctx.today()), teller(respond)
            )
            return
        if sub == "list" and len(words) <= 1:
            ack()
            respond(response_type="ephemeral", **audits.programme_reply(ctx).as_kwargs())
            return
        if len(words) == 1 and audits.NUMBER.match(sub):
            ack()
            respond(response_type="ephemeral", **audits.record_reply(ctx, sub).as_kwargs())
            return
        if sub == "checklist" and len(words) == 2 and audits.NUMBER.match(words[1]):
            ack()
            audit_id = _audit_id(ctx, words[1])
            if audit_id is None:
                ephemeral(respond, f"There is no {words[1].upper()}. `/audit list` shows the programme.")
                return
            _post_checklist(ctx, client, user, audit_id, teller(respond))
            return
        if sub == "cancel" and len(words) >= 3 and audits.NUMBER.match(words[1]):
            ack()
            reason = unescape(" ".join(words[2:]))[:500]
            try:
                cancelled = audits.cancel(ctx, user, words[1], reason)
            except (NotAllowed, audits.Refused) as refused:
                ephemeral(respond, str(refused))
                return
            ephemeral(respond, f"{cancelled.number} is cancelled; its reminders stop. The reason is on its record.")
            return
        ack(response_type="ephemeral", text=USAGE)

    @app.view(Callback.AUDIT_PLAN)
    def on_plan(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        if not ctx.roles.is_manager(body["user"]["id"]):  # before checking the people: a refusal costs no Slack calls
            ack(response_action="errors", errors={"process": "Only QMS managers can plan internal audits."})
            return
        values = form_values(view)
        form = audits.PlanForm(
            **{name: values.get(name) for name in audits.PlanForm.__dataclass_fields__ if values.get(name) is not None}
        )
        errors, plan = audits.check_plan(ctx, form)
        if errors or plan is None:
            ack(response_action="errors", errors=errors)
            return
        user = body["user"]["id"]
        try:
            planned = audits.plan(ctx, user, plan)
        except NotAllowed as refused:
            ack(response_action="errors", errors={"process": plain_text(str(refused), ctx.directory.name)})
            return
        ack()
        answerer(body, None, client)(
            f"Planned {planned.number}: {planned.process} on {planned.planned_date:%d %b %Y}. The lead auditor and the auditees are told; `/audit list` shows the programme."
        )

    @app.action(Action.AUDIT_CHECKLIST)
    def on_checklist(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        tell = answerer(body, respond, client)
        try:
            audit_id = record_id(action.get("value"))
        except ValueError:
            tell("That button is broken; `/audit list` shows the programme.")
            return
        _post_checklist(ctx, client, body["user"]["id"], audit_id, tell)

    @app.action(Action.AUDIT_ANSWER)
    def on_answer(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        tell = answerer(body, respond, client)
        user = body["user"]["id"]
        raw_line, _, result = str((action.get("selected_option") or {}).get("value", "")).partition(":")
        try:
            line_id = record_id(raw_line)
        except ValueError:
            line_id = 0
        if not line_id or result not in blocks.ANSWER_LABELS:
            tell("That answer is broken; open the checklist again with `/audit checklist AU-…`.")
            return
        at = clicked_message(body)
        try:
            if result == "conforming":
                audits.answer(ctx, line_id, user, result)
            elif result == "observation":
                audit, line = audits.line_for_answer(ctx, line_id, user)
                open_modal(client, body["trigger_id"], blocks.observation_modal(audit, line, at), tell)
            else:
                form = audits.nc_form(ctx, line_id, user)
                open_modal(
                    client,
                    body["trigger_id"],
                    nc_blocks.raise_modal(ctx.settings, form, audit_line=line_id, checklist_at=at),
                    tell,
                )
        except (NotAllowed, audits.Refused) as refused:
            tell(str(refused))
            if at:
                show_checklist(ctx, user, line_id, at)  # put the select back to the recorded answer
            return
        if at:
            # Also after opening a form: the select goes back to what is recorded, so a form
            # closed without saving leaves no answer showing that was never kept.
            show_checklist(ctx, user, line_id, at)

    @app.view(Callback.AUDIT_OBSERVATION)
    def on_observation(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        note = (form_values(view).get("note") or "").strip()
        if not note:
            ack(response_action="errors", errors={"note": "Say what you observed."})
            return
        if len(note) > audits.NOTE_MAX:
            ack(response_action="errors", errors={"note": f"Keep the note under {audits.NOTE_MAX} characters."})
            return
        (line_id,) = origin_ids(view, "line")
        user = body["user"]["id"]
        if line_id is None:
            ack(
                response_action="errors",
                errors={"note": "This form lost its checklist line; open the checklist again."},
            )
            return
        try:
            audits.answer(ctx, line_id, user, "observation", note)
        except (NotAllowed, audits.Refused) as refused:
            ack(response_action="errors", errors={"note": plain_text(str(refused), ctx.directory.name)})
            return
        ack()
        at = origin_message(view)
        if at:
            show_checklist(ctx, user, line_id, at)

    @app.action(Action.AUDIT_COMPLETE)
    def on_complete_open(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        make = lambda: audits.completion_form(ctx, record_id(action.get("value")), body["user"]["id"])  # noqa: E731
        open_form_from_button(
            client,
            body,
            respond,
            make,
            (NotAllowed, audits.Refused),
            "That button is broken; `/audit list` shows the programme.",
        )

    @app.view(Callback.AUDIT_COMPLETE)
    def on_complete(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        errors, completion = audits.check_completion(form_values(view))
        if errors or completion is None:
            ack(response_action="errors", errors=errors)
            return
        (audit_id,) = origin_ids(view, "audit")
        user = body["user"]["id"]
        if audit_id is None:
            ack(
                response_action="errors",
                errors={"summary": "This form lost its audit; open it again from `/audit list`."},
            )
            return
        try:
            done = audits.complete(ctx, audit_id, user, completion)
        except (NotAllowed, audits.Refused, nc.Refused) as refused:
            ack(response_action="errors", errors={"summary": plain_text(str(refused), ctx.directory.name)})
            return
        ack()
        for nc_id in done.raised:
            nc.announce_raised(ctx, nc_id)
        home.publish(ctx, user)
