"""/nc, the two "Raise nonconformity" shortcuts, and the buttons and modals of the NC card."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot import audits, feedback, home, risks
from bot import nonconformity as nc
from bot.context import Context
from bot.errors import Broken, Invalid, valid
from bot.nonconformity import blocks as nc_blocks
from bot.nonconformity import modals as nc_modals
from bot.nonconformity.lifecycle import Step
from bot.qms import help_reply
from bot.registry import Action, Callback, Command, ShortcutId, item_action_ids, registered_action
from bot.submissions import Submission
from handlers.common import (
    answerer,
    clicked_message,
    command_text,
    drawn_id,
    form_values,
    open_from_message,
    open_modal,
    origin_ids,
    origin_message,
    record_id,
    take_with_files,
    teller,
)
from handlers.listeners import action, command, message_shortcut, shortcut, view

LIST_USAGE = "Use `/nc list mine`, `/nc list open` or `/nc list overdue`."
BROKEN_BUTTON = "That button is broken; open the NC with `/nc NC-…` and try again."
LOST_NC = "This form lost track of its NC; close it and use the card again."
STEPS_BY_BUTTON = {button: step for step, button in nc_blocks.STEP_BUTTONS.items()}
STEPS_BY_CALLBACK: dict[str, Step] = {
    Callback.NC_CONTAIN: Step.CONTAIN,
    Callback.NC_ROOT_CAUSE: Step.RECORD_ROOT_CAUSE,
    Callback.NC_ACTION: Step.ADD_ACTION,
    Callback.NC_ACTION_DONE: Step.COMPLETE_ACTIONS,
    Callback.NC_CANCEL: Step.CANCEL,
}


def _ids(value: str) -> tuple[int, int | None, int | None]:
    """A card button's value or a modal's metadata: `nc_id[:action_id][@version]` (a modal's
    metadata may end in `|channel,ts`, the DM it was opened from: see `_asked_in`)."""
    ids, _, version = value.partition("|")[0].partition("@")
    first, _, second = ids.partition(":")
    try:
        return record_id(first), record_id(second) if second else None, int(version) if version else None
    except ValueError:
        raise Broken(f"{value!r} names no NC") from None


# --- raising ---


def on_nc(ctx: Context, ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
    text = command_text(command)
    words = text.split()
    first = words[0].lower() if words else ""
    if first == "help" and len(words) == 1:
        ack(response_type="ephemeral", **help_reply().as_kwargs())
        return
    if first == "list" and len(words) <= 2:
        which = words[1].lower() if len(words) == 2 else "mine"
        if which not in nc_blocks.LIST_TITLES:
            ack(response_type="ephemeral", text=LIST_USAGE)
            return
        ack()
        respond(response_type="ephemeral", **nc.list_reply(ctx, command["user_id"], which).as_kwargs())
        return
    if len(words) == 1 and nc.NUMBER.match(first):
        ack()
        respond(response_type="ephemeral", **nc.record_reply(ctx, first, command["user_id"]).as_kwargs())
        return
    ack()
    form = nc.RaiseForm(title=text[: nc.TITLE_MAX] or None)
    view = nc_modals.raise_modal(ctx.settings, form, risks=risks.choices(ctx))
    open_modal(client, command["trigger_id"], view, teller(respond))


def on_raise_shortcut(ctx: Context, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    # A global shortcut has no response URL: a failure is told by DM.
    view = nc_modals.raise_modal(ctx.settings, nc.RaiseForm(), risks=risks.choices(ctx))
    open_modal(client, body["trigger_id"], view, answerer(body, None, client))


def on_raise_from_message(ctx: Context, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()

    options = risks.choices(ctx)

    def form_for(typed: str | None, capture_id: int | None) -> dict[str, Any]:
        if typed is None:  # from a private conversation
            form = nc.RaiseForm()
            return nc_modals.raise_modal(ctx.settings, form, capture_id=capture_id, private_origin=True, risks=options)
        title = (typed.splitlines() or [""])[0][: nc.TITLE_MAX] or None
        form = nc.RaiseForm(title=title, description=typed[: nc.TEXT_MAX] or None)
        return nc_modals.raise_modal(ctx.settings, form, capture_id=capture_id, risks=options)

    open_from_message(ctx, client, body, respond, form_for)


def on_raise_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    values = form_values(view)
    form = nc.RaiseForm(**{name: values.get(name) for name in nc.RaiseForm.__dataclass_fields__})
    if nc_modals.NOT_YET in (form.not_yet or []):  # not a nonconformity: the form becomes the risk form
        ack(response_action="update", view=_as_risk(ctx, view, form))
        return
    errors, draft = nc.check_raise(ctx, form)
    if errors or draft is None:
        raise Invalid(errors)
    capture_id, complaint_id, audit_line, line_seen = origin_ids(
        view, "capture", "complaint", "audit_line", "line_seen"
    )
    reporter = body["user"]["id"]
    link = audits.link_line(ctx, audit_line, reporter, line_seen) if audit_line else None
    record = nc.raise_nc(ctx, reporter, draft, capture_id, complaint_id, link, submission)  # a refusal shows on "title"
    ack()
    assert record.id is not None
    nc.announce_raised(ctx, record.id)
    if record.risk_id:
        risks.note_realised(ctx, record.risk_id, record.number, reporter)
        risks.refresh_card(ctx, record.risk_id)
    if complaint_id is not None:
        feedback.note_nc_raised(ctx, complaint_id, record.number, reporter)
        feedback.refresh_card(ctx, complaint_id)
    checklist_at = origin_message(view)
    if audit_line and checklist_at:
        audits.redraw_checklist(ctx, body["user"]["id"], audit_line, checklist_at)
    # The Home tab lists what a person owns (and, for a QMS manager, the registers), not what
    # they raised: redrawn only when the new NC shows there, since it is the dearest part of a
    # raise after the ack (a tab opened later is drawn afresh on app_home_opened).
    if reporter == record.owner or ctx.roles.is_manager(reporter) or complaint_id or audit_line or record.risk_id:
        home.publish(ctx, reporter)


def _as_risk(ctx: Context, view: dict[str, Any], form: nc.RaiseForm) -> dict[str, Any]:
    """ "This has not happened yet": the risk form, filled from what was typed (and the message copied)."""
    (capture_id,) = origin_ids(view, "capture")
    prefill = {"title": form.title, "description": form.description, "process": form.process}
    origin = {"capture": capture_id} if capture_id else None
    return risks.raise_modal(ctx.settings, prefill, ctx.today(), origin=origin)


# --- the card's buttons: check on the server, then open the step's modal ---


def _dm_pressed(body: dict[str, Any]) -> tuple[str, str] | None:
    """The DM whose button was pressed (a request, a reminder, an escalation), to be redrawn
    once the step is taken; None on the card or any other conversation."""
    where = clicked_message(body)
    return where if where and where[0].startswith("D") else None


def _asked_in(view: dict[str, Any]) -> tuple[str, str] | None:
    _, bar, where = (view.get("private_metadata") or "").partition("|")
    channel, comma, ts = where.partition(",")
    return (channel, ts) if bar and comma and channel.startswith("D") and ts else None


def _step_modal(ctx: Context, step: Step, record: nc.Record, action_id: int | None) -> dict[str, Any]:
    if step is Step.CONTAIN:
        return nc_modals.containment_modal(record)
    if step is Step.RECORD_ROOT_CAUSE:
        return nc_modals.root_cause_modal(record)
    if step is Step.ADD_ACTION:
        return nc_modals.action_modal(record, ctx.today())
    if step is Step.COMPLETE_ACTIONS:
        return nc_modals.done_modal(record, next(x for x in record.actions if x.id == action_id))
    if step is Step.VERIFY_EFFECTIVE:
        return nc_modals.verify_modal(record, ctx.settings.zone)
    return nc_modals.cancel_modal(record)


def on_step_button(
    ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    step = STEPS_BY_BUTTON[registered_action(action["action_id"])]
    user = body["user"]["id"]
    nc_id, action_id, version = _ids(action.get("value", ""))
    if step is Step.COMPLETE_ACTIONS and action_id is None:
        raise Broken("no action")
    dm = _dm_pressed(body)
    if step is Step.CLOSE:  # Slack's confirm dialog already asked "are you sure?"
        closed = nc.close(ctx, nc_id, user, seen_version=version)
        nc.refresh_cards(ctx, *nc.cards_touched(closed))
        if dm:
            nc.redraw_ask(ctx, nc_id, user, dm, step)
        home.publish(ctx, user)
        return
    record = nc.check_step(ctx, nc_id, step, user, action_id)
    form = _step_modal(ctx, step, record, action_id)
    if dm:
        form["private_metadata"] += f"|{dm[0]},{dm[1]}"
    open_modal(client, body["trigger_id"], form, teller(respond))


def on_recurrence(ctx: Context, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
    ack()
    link = action["action_id"] == Action.NC_LINK_RECURRENCE
    nc_id, seen = drawn_id(action.get("value", ""))
    settled = nc.settle_recurrence(ctx, nc_id, body["user"]["id"], link, seen)
    nc.refresh_cards(ctx, *nc.cards_touched(settled))


# --- the step modals: check the input, take the step, answer, then re-render the card ---


@dataclass(frozen=True)
class Submitted:
    nc_id: int
    action_id: int | None
    version: int | None
    user: str
    values: dict[str, Any]
    submission: Submission | None


def take_containment(ctx: Context, s: Submitted) -> Any:
    text = valid(*nc.required_text(s.values.get("containment"), "containment", "containment"))
    return nc.contain(ctx, s.nc_id, s.user, text, s.submission)


def take_root_cause(ctx: Context, s: Submitted) -> Any:
    method, cause, elsewhere, note = (s.values.get(k) for k in ("method", "cause", "elsewhere", "elsewhere_note"))
    valid(nc.check_root_cause(method, cause, elsewhere, note), None)
    assert method is not None and cause is not None and elsewhere is not None  # checked just above
    note = (note or "").strip() or None
    return nc.record_root_cause(ctx, s.nc_id, s.user, method, cause.strip(), elsewhere, note, s.submission)


def take_action(ctx: Context, s: Submitted) -> Any:
    form = nc.ActionForm(
        s.values.get("kind"), s.values.get("description"), s.values.get("owner"), s.values.get("due_date")
    )
    checked = valid(*nc.check_action(ctx, form))
    assert checked is not None
    return nc.add_action(ctx, s.nc_id, s.user, *checked, submission=s.submission)


def take_done(ctx: Context, s: Submitted) -> Any:
    evidence = valid(*nc.required_text(s.values.get("evidence"), "evidence", "evidence"))
    if s.action_id is None:
        raise Invalid({"evidence": "This form lost track of its action; close it and use the card again."})
    return nc.complete_action(ctx, s.nc_id, s.action_id, s.user, evidence, s.submission)


def take_verification(ctx: Context, s: Submitted) -> Any:
    result, note = s.values.get("result"), s.values.get("note")
    valid(nc.check_verification(result, note), None)
    effective, note = result == "effective", (note or "").strip() or None
    return nc.verify(ctx, s.nc_id, s.user, effective, note, seen_version=s.version, submission=s.submission)


def take_cancel(ctx: Context, s: Submitted) -> Any:
    reason = valid(*nc.required_text(s.values.get("reason"), "reason", "reason"))
    return nc.cancel(ctx, s.nc_id, s.user, reason, s.submission)


# Each step form: its callback, the field a refusal is shown on, and how the step is taken.
STEP_FORMS: dict[str, tuple[str, Callable[[Context, Submitted], Any]]] = {
    Callback.NC_CONTAIN: ("containment", take_containment),
    Callback.NC_ROOT_CAUSE: ("method", take_root_cause),
    Callback.NC_ACTION: ("kind", take_action),
    Callback.NC_ACTION_DONE: ("evidence", take_done),
    Callback.NC_VERIFY: ("result", take_verification),
    Callback.NC_CANCEL: ("reason", take_cancel),
}


# The steps whose forms take evidence files, and what the files are evidence of.
EVIDENCE_OF = {
    Callback.NC_CONTAIN: "containment",
    Callback.NC_ACTION_DONE: "done",
    Callback.NC_VERIFY: "effectiveness check",
}


def on_step_submit(
    ctx: Context, ack: Ack, body: dict[str, Any], view: dict[str, Any], submission: Submission | None
) -> None:
    first_block, take = STEP_FORMS[view["callback_id"]]
    try:
        nc_id, action_id, version = _ids(view.get("private_metadata") or "")
    except Broken:
        raise Invalid({first_block: LOST_NC}) from None
    submitted = Submitted(nc_id, action_id, version, body["user"]["id"], form_values(view), submission)
    callback = view["callback_id"]
    changed = take_with_files(
        ack,
        submitted.values if callback in EVIDENCE_OF else {},  # a form that asks for no files takes none
        submitted.user,
        lambda: take(ctx, submitted),
        lambda _, files: nc.attach_evidence(ctx, nc_id, action_id, EVIDENCE_OF[callback], submitted.user, files),
    )
    nc.refresh_cards(ctx, *nc.cards_touched(changed))
    dm = _asked_in(view)
    if dm:
        nc.redraw_ask(ctx, nc_id, submitted.user, dm, _taken(view["callback_id"], changed), action_id)
    home.publish(ctx, submitted.user)


def _taken(callback: str, changed: Any) -> Step:
    if callback == Callback.NC_VERIFY:
        return Step.VERIFY_EFFECTIVE if changed.status == "effectiveness_verified" else Step.VERIFY_NOT_EFFECTIVE
    return STEPS_BY_CALLBACK[callback]


LISTENERS = [
    command(Command.NC, on_nc),
    shortcut(ShortcutId.RAISE_NC, on_raise_shortcut),
    message_shortcut(ShortcutId.RAISE_NC_FROM_MESSAGE, on_raise_from_message),
    view(Callback.NC_RAISE, on_raise_submit, field="title"),
    *(
        action(button, on_step_button, broken=BROKEN_BUTTON)
        for button in nc_blocks.STEP_BUTTONS.values()
        if button is not Action.NC_ACTION_DONE
    ),
    # "Mark A1 done", "Mark A2 done"…: one action_id per action, and the plain one of old cards.
    action(item_action_ids(Action.NC_ACTION_DONE), on_step_button, broken=BROKEN_BUTTON),
    action(Action.NC_LINK_RECURRENCE, on_recurrence, broken=BROKEN_BUTTON),
    action(Action.NC_DISMISS_RECURRENCE, on_recurrence, broken=BROKEN_BUTTON),
    *(view(callback, on_step_submit, field=first_block) for callback, (first_block, _) in STEP_FORMS.items()),
]
