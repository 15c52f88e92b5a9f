"""/risk, the two "Raise a risk" shortcuts, and the buttons and forms of the risk card."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import home, risks
from bot import nonconformity as nc
from bot.context import Context
from bot.errors import Broken, Invalid, valid
from bot.qms import help_reply
from bot.registry import Action, Callback, Command, ShortcutId, item_action_ids, registered_action
from bot.submissions import Submission
from bot.surfaces.mrkdwn import safe
from handlers.common import (
    answerer,
    command_text,
    form_values,
    open_from_message,
    open_modal,
    origin_ids,
    record_id,
    take_with_files,
    teller,
)
from handlers.listeners import action, command, message_shortcut, shortcut, view

BROKEN_BUTTON = "That button is broken; open the risk with `/risk RK-…` and try again."
BROKEN_FINDING = "That button is broken; `/audit AU-…` shows the audit and its findings."
CLOSE_USAGE = "Use `/risk close RK-2026-0001 <why it no longer applies>`."
LOST_RISK = "This form lost track of its risk; close it and use the card again."
STEPS = {
    Action.RISK_TREAT: "treat",
    Action.RISK_REVIEW: "review",
    Action.RISK_ADD_ACTION: "add_action",
    Action.RISK_ACTION_DONE: "action_done",
}


def _ids(value: str) -> tuple[int, int | None, int | None]:
    """A button's value or a form's metadata: `risk_id[:action_id][@version]`."""
    ids, _, version = value.partition("@")
    first, _, second = ids.partition(":")
    try:
        return record_id(first), record_id(second) if second else None, int(version) if version else None
    except ValueError:
        raise Broken(f"{value!r} names no risk") from None


# --- raising ---


def on_risk(ctx: Context, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
    text = command_text(command)
    words = text.split()
    first = words[0].lower() if words else ""
    if first == "help" and len(words) == 1:
        ack(response_type="ephemeral", **help_reply().as_kwargs())
        return
    if first == "list" and len(words) == 1:
        ack()
        respond(response_type="ephemeral", **risks.list_reply(ctx).as_kwargs())
        return
    if first == "close":
        _close(ctx, ack, command, words)
        return
    if len(words) == 1 and risks.NUMBER.match(first):
        ack()
        respond(response_type="ephemeral", **risks.record_reply(ctx, first, command["user_id"]).as_kwargs())
        return
    ack()
    form = risks.raise_modal(ctx.settings, {"title": text[: risks.TITLE_MAX] or None}, ctx.today())
    open_modal(client, command["trigger_id"], form, teller(respond))


def _close(ctx: Context, ack: Ack, command: dict[str, Any], words: list[str]) -> None:
    """`/risk close RK-2026-0001 <reason>`: the owner or a QMS manager retires it."""
    if len(words) < 3 or not risks.NUMBER.match(words[1]):
        ack(response_type="ephemeral", text=CLOSE_USAGE)
        return
    reason = " ".join(words[2:])[: risks.TEXT_MAX]
    risk = risks.close(ctx, words[1], command["user_id"], reason)  # a refusal is answered in the ack
    ack(
        response_type="ephemeral",
        text=f"{risk.number} is closed; its reminders stop. The record stays in the register.",
    )
    assert risk.id is not None
    risks.refresh_card(ctx, risk.id)


def on_raise_shortcut(ctx: Context, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    form = risks.raise_modal(ctx.settings, {}, ctx.today())
    open_modal(client, body["trigger_id"], form, answerer(body, None, client))


def on_raise_from_message(ctx: Context, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    """As an NC from a message: the copy is kept, and a private conversation's text stays out of the form."""
    ack()

    def form_for(typed: str | None, capture_id: int | None) -> dict[str, Any]:
        origin = {"capture": capture_id} if capture_id else None
        if typed is None:  # from a private conversation
            return risks.raise_modal(ctx.settings, {}, ctx.today(), origin=origin, private_origin=True)
        title = (typed.splitlines() or [""])[0][: risks.TITLE_MAX] or None
        prefill = {"title": title, "description": typed[: risks.TEXT_MAX] or None}
        return risks.raise_modal(ctx.settings, prefill, ctx.today(), origin=origin)

    open_from_message(ctx, client, body, respond, form_for)


def on_raise_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    draft = valid(*risks.check_raise(ctx, form_values(view)))
    assert draft is not None
    capture_id, finding_id = origin_ids(view, "capture", "finding")
    reporter = body["user"]["id"]
    came_from = risks.from_finding(ctx, finding_id)[1] if finding_id else None
    risk = risks.raise_risk(ctx, reporter, draft, capture_id, submission, came_from)  # a refusal shows on "title"
    ack()
    assert risk.id is not None
    risks.announce_raised(ctx, risk.id)
    home.publish(ctx, reporter)


def on_from_finding(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    """ "Raise as risk/opportunity" on an audit's opportunity for improvement: the form, filled in."""
    ack()
    finding_id = record_id(action.get("value", ""))
    prefill, _ = risks.from_finding(ctx, finding_id)
    form = risks.raise_modal(ctx.settings, prefill, ctx.today(), origin={"finding": finding_id})
    open_modal(client, body["trigger_id"], form, answerer(body, respond, client))


# --- the card's buttons: checked on the server, then the form opens ---


def on_step_button(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    button = Action(registered_action(action["action_id"]))
    step = STEPS[button]
    risk_id, action_id, _ = _ids(str(action.get("value", "")))
    if step == "action_done" and action_id is None:
        raise Broken("no action")
    record = risks.check(ctx, risk_id, body["user"]["id"], step, action_id)
    open_modal(client, body["trigger_id"], _form(ctx, step, record, action_id), answerer(body, respond, client))


def _form(ctx: Context, step: str, record: risks.Record, action_id: int | None) -> dict[str, Any]:
    risk = record.risk
    about = f"*{risk.number}* · {safe(risk.title, 200)}"
    if step == "treat":
        return risks.treat_modal(risk, ctx.settings, ctx.today())
    if step == "review":
        return risks.review_modal(risk, ctx.settings, ctx.today(), risks.realised_since_review(ctx, risk))
    if step == "add_action":
        due, what = max(risk.review_date, ctx.today()), "What will be done to treat it, so it cannot happen"
        return nc.held_action_form(
            Callback.RISK_ACTION, about, risk.owner, due, str(risk.id), kinds=False, placeholder=what
        )
    done = next(a for a in record.actions if a.id == action_id)
    return nc.held_done_form(Callback.RISK_ACTION_DONE, about, done, f"{risk.id}:{done.id}")


# --- the forms: check the input, take the step, answer, then redraw the card ---


def _submitted(view: dict[str, Any], first_block: str) -> tuple[int, int | None, int | None]:
    try:
        return _ids(view.get("private_metadata") or "")
    except Broken:
        raise Invalid({first_block: LOST_RISK}) from None


def _after(ctx: Context, risk_id: int, user: str) -> None:
    risks.refresh_card(ctx, risk_id)
    home.publish(ctx, user)


def on_treat_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    risk_id, _, seen = _submitted(view, "treatment")
    user = body["user"]["id"]
    kind = risks.kind_of(ctx, risk_id)
    if kind is None:
        raise Invalid({"treatment": LOST_RISK})
    treatment = valid(*risks.check_treat(ctx, kind, form_values(view)))
    assert treatment is not None
    risks.treat(ctx, risk_id, user, treatment, seen, submission)
    ack()
    _after(ctx, risk_id, user)


def on_review_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    risk_id, _, seen = _submitted(view, "likelihood")
    user = body["user"]["id"]
    rescoring = valid(*risks.check_review(ctx, form_values(view)))
    assert rescoring is not None
    risks.review(ctx, risk_id, user, rescoring, seen, submission)
    ack()
    _after(ctx, risk_id, user)


def on_action_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    """The NC's action form and its checks (one implementation); a treatment action is preventive."""
    risk_id, _, _ = _submitted(view, "description")
    user = body["user"]["id"]
    values = form_values(view)
    form = nc.ActionForm("preventive", values.get("description"), values.get("owner"), values.get("due_date"))
    checked = valid(*nc.check_action(ctx, form))
    assert checked is not None
    _, description, owner, due = checked
    risks.add_action(ctx, risk_id, user, description, owner, due, submission)
    ack()
    _after(ctx, risk_id, user)


def on_done_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    risk_id, action_id, _ = _submitted(view, "evidence")
    if action_id is None:
        raise Invalid({"evidence": LOST_RISK})
    user = body["user"]["id"]
    values = form_values(view)
    proof = valid(*nc.required_text(values.get("evidence"), "evidence", "evidence"))
    take_with_files(
        ack,
        values,
        user,
        lambda: risks.complete_action(ctx, risk_id, action_id, user, proof, submission),
        lambda risk, files: risks.attach_evidence(ctx, risk, action_id, user, files),
    )
    _after(ctx, risk_id, user)


LISTENERS = [
    command(Command.RISK, on_risk),
    shortcut(ShortcutId.RAISE_RISK, on_raise_shortcut),
    message_shortcut(ShortcutId.RAISE_RISK_FROM_MESSAGE, on_raise_from_message),
    view(Callback.RISK_RAISE, on_raise_submit, field="title"),
    action(Action.RISK_TREAT, on_step_button, broken=BROKEN_BUTTON),
    action(Action.RISK_REVIEW, on_step_button, broken=BROKEN_BUTTON),
    action(Action.RISK_ADD_ACTION, on_step_button, broken=BROKEN_BUTTON),
    # "Mark A1 done", "Mark A2 done"…: one action_id per action.
    action(item_action_ids(Action.RISK_ACTION_DONE), on_step_button, broken=BROKEN_BUTTON),
    action(item_action_ids(Action.RISK_FROM_FINDING), on_from_finding, broken=BROKEN_FINDING),
    view(Callback.RISK_TREAT, on_treat_submit, field="treatment"),
    view(Callback.RISK_REVIEW, on_review_submit, field="likelihood"),
    view(Callback.RISK_ACTION, on_action_submit, field="description"),
    view(Callback.RISK_ACTION_DONE, on_done_submit, field="evidence"),
]
