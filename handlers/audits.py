"""/audit, the checklist message and the completion form."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import audits, home
from bot import nonconformity as nc
from bot.audits import blocks
from bot.context import Context
from bot.errors import Broken, Invalid, NotAllowed, QmsError, Refused, valid
from bot.nonconformity import modals as nc_modals
from bot.qms import help_reply
from bot.registry import Action, Callback, Command
from bot.submissions import Submission
from handlers.common import (
    answerer,
    clicked_message,
    command_text,
    drawn_id,
    ephemeral,
    form_values,
    kept_with,
    open_modal,
    origin_ids,
    origin_message,
    record_id,
    take_with_files,
    teller,
)
from handlers.listeners import action, command, view

log = logging.getLogger(__name__)

USAGE = "Use `/audit list`, `/audit plan`, `/audit AU-2026-0001`, `/audit checklist AU-2026-0001` or `/audit cancel AU-2026-0001 <reason>`."
BROKEN_BUTTON = "That button is broken; `/audit list` shows the programme."
BROKEN_ANSWER = "That answer is broken; open the checklist again from the audit's message (or `/audit list`)."


def _post_checklist(ctx: Context, client: WebClient, user: str, audit_id: int, tell: Callable[[str], Any]) -> None:
    """The checklist goes to the person's DM with the bot: a message that stays, to be answered line by line."""
    reply = audits.checklist_reply(ctx, audit_id, user)  # a refusal is answered where they asked
    try:
        client.chat_postMessage(channel=user, **reply.as_kwargs())
    except SlackApiError as exc:
        log.warning("could not post the checklist: %s", exc.response.get("error"))
        tell("Slack did not take the checklist just now. Please try once more.")
        return
    tell("The checklist is in your messages with the bot: answer each line there.")


# --- /audit ---


def on_audit(ctx: Context, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
    words = command_text(command).split()
    sub = words[0].lower() if words else "list"
    user = command["user_id"]
    if sub == "help" and len(words) == 1:
        ack(response_type="ephemeral", **help_reply().as_kwargs())
    elif sub == "plan" and len(words) == 1:
        if not ctx.roles.is_manager(user):
            raise NotAllowed("Only QMS managers can plan internal audits. Ask your QMS manager.")
        ack()
        view = blocks.plan_modal(ctx.settings.processes, ctx.today())
        open_modal(client, command["trigger_id"], view, teller(respond))
    elif sub == "list" and len(words) <= 1:
        ack()
        respond(response_type="ephemeral", **audits.programme_reply(ctx).as_kwargs())
    elif len(words) == 1 and audits.NUMBER.match(sub):
        ack()
        respond(response_type="ephemeral", **audits.record_reply(ctx, sub, user).as_kwargs())
    elif sub == "checklist" and len(words) == 2 and audits.NUMBER.match(words[1]):
        ack()
        audit_id = audits.audit_id_of(ctx, words[1])
        if audit_id is None:
            raise Refused(f"There is no {words[1].upper()}. `/audit list` shows the programme.")
        _post_checklist(ctx, client, user, audit_id, teller(respond))
    elif sub == "cancel" and len(words) >= 3 and audits.NUMBER.match(words[1]):
        ack()
        reason = " ".join(words[2:])[:500]
        cancelled = audits.cancel(ctx, user, words[1], reason)
        ephemeral(respond, f"{cancelled.number} is cancelled; its reminders stop. The reason is on its record.")
    else:
        ack(response_type="ephemeral", text=USAGE)


def on_plan(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, submission: Submission | None
) -> None:
    user = body["user"]["id"]
    if not ctx.roles.is_manager(user):  # before checking the people: a refusal costs no Slack calls
        raise NotAllowed("Only QMS managers can plan internal audits.")
    values = form_values(view)
    given: dict[str, Any] = {
        name: values[name] for name in audits.PlanForm.__dataclass_fields__ if values.get(name) is not None
    }
    form = audits.PlanForm(**given)
    plan = valid(*audits.check_plan(ctx, form))
    assert plan is not None  # checked just above
    planned = audits.plan(ctx, user, plan, submission)  # a refusal shows on "process"
    ack()
    tell_planned(ctx, body, client, planned.number)


def tell_planned(ctx: Context, body: dict[str, Any], client: WebClient, number: str) -> None:
    """The planner's confirmation: the same for the form sent twice."""
    answerer(body, None, client)(audits.planned_confirmation(ctx, number))


# --- the checklist ---


def on_checklist(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    audit_id = record_id(action.get("value"))
    _post_checklist(ctx, client, body["user"]["id"], audit_id, answerer(body, respond, client))


def _answered_line(action: dict[str, Any]) -> tuple[int, int | None, str, str | None]:
    """A checklist select's option: `line id@version:answer[:grade]` (a plain `line id:answer`
    on a checklist posted before lines carried their version, no grade before lines were graded)."""
    raw_line, _, chosen = str((action.get("selected_option") or {}).get("value", "")).partition(":")
    result, _, grade = chosen.partition(":")
    if result not in blocks.ANSWER_LABELS or (grade and (result != "nonconforming" or grade not in blocks.GRADES)):
        raise Broken(f"{chosen!r} is no answer")
    return *drawn_id(raw_line), result, grade or None


def on_answer(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    tell = answerer(body, respond, client)
    user = body["user"]["id"]
    line_id, seen, result, grade = _answered_line(action)
    at = clicked_message(body)
    try:
        if result == "conforming":
            audits.answer(ctx, line_id, user, result, seen=seen)
        elif result == "observation":
            audit, line = audits.line_for_answer(ctx, line_id, user, seen)
            open_modal(client, body["trigger_id"], blocks.observation_modal(audit, line, at), tell)
        else:
            form = audits.nc_form(ctx, line_id, user, seen, grade)
            modal = nc_modals.raise_modal(ctx.settings, form, audit_line=line_id, checklist_at=at, line_seen=seen)
            open_modal(client, body["trigger_id"], modal, tell)
    except QmsError:
        if at:
            audits.redraw_checklist(ctx, user, line_id, at)  # put the select back to the recorded answer
        raise
    if at:
        # Also after opening a form: the select goes back to what is recorded, so a form
        # closed without saving leaves no answer showing that was never kept.
        audits.redraw_checklist(ctx, user, line_id, at)


def on_observation(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    values = form_values(view)
    note = valid(*audits.check_observation(values.get("note")))
    line_id, seen = origin_ids(view, "line", "seen")  # no "seen": a form opened before lines had versions
    user = body["user"]["id"]
    if line_id is None:
        raise Invalid({"note": "This form lost its checklist line; open the checklist again."})
    take_with_files(
        ack,
        values,
        user,
        lambda: audits.answer(ctx, line_id, user, "observation", note, seen, submission),  # a refusal shows on "note"
        kept_with(ctx, audits.RECORD_TYPE, user, lambda did: (did.audit.number, f"line {did.line.seq} observation")),
    )
    at = origin_message(view)
    if at:
        audits.redraw_checklist(ctx, user, line_id, at)


# --- completing ---


def on_complete_open(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    # The server checks who may, and that it is still to do, before the form opens.
    audit_id, seen = drawn_id(action.get("value"))
    # Pressed on the checklist: that message is redrawn, closed, once the audit is completed.
    on_checklist = action.get("block_id") == blocks.CHECKLIST_FOOTER
    at = clicked_message(body) if on_checklist else None
    form = audits.completion_form(ctx, audit_id, body["user"]["id"], seen, at)
    open_modal(client, body["trigger_id"], form, answerer(body, respond, client))


def on_complete(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    values = form_values(view)
    completion = valid(*audits.check_completion(values))
    assert completion is not None  # checked just above
    # The audit's version the form was opened for; none in a form opened before audits had one.
    audit_id, seen = origin_ids(view, "audit", "seen")
    user = body["user"]["id"]
    if audit_id is None:
        raise Invalid({"summary": "This form lost its audit; open it again from `/audit list`."})
    done = take_with_files(
        ack,
        values,
        user,
        lambda: audits.complete(ctx, audit_id, user, completion, seen, submission),  # a refusal shows on "summary"
        kept_with(ctx, audits.RECORD_TYPE, user, lambda done: (done.audit.number, "audit report")),
    )
    for nc_id in done.raised:
        nc.announce_raised(ctx, nc_id)
    if done.raised:
        audits.announce_completed(ctx, audit_id)  # the notes with the new NCs' cards linked
    at = origin_message(view)
    if at:
        audits.redraw_audit_checklist(ctx, user, audit_id, at)
    home.publish(ctx, user)


LISTENERS = [
    command(Command.AUDIT, on_audit),
    view(Callback.AUDIT_PLAN, on_plan, field="process", again=tell_planned),
    action(Action.AUDIT_CHECKLIST, on_checklist, broken=BROKEN_BUTTON),
    action(Action.AUDIT_ANSWER, on_answer, broken=BROKEN_ANSWER),
    view(Callback.AUDIT_OBSERVATION, on_observation, field="note"),
    action(Action.AUDIT_COMPLETE, on_complete_open, broken=BROKEN_BUTTON),
    view(Callback.AUDIT_COMPLETE, on_complete, field="summary"),
]
