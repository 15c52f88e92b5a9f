"""What the bot asks of one person about an NC, each with the button that does it. Pure functions.

Apart from the card (blocks.py): these go to one person (a DM, a reminder, an escalation, the
Home tab, an ephemeral reply), so each carries only the buttons that person may press, and a
modal-opening button carries the plain record id (the modal takes the current version when it
opens). Closing changes the record at the press, so its button carries the version it was drawn
for. The server checks every press anyway (guard.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from bot.delivery.versions import drawn
from bot.nonconformity import actions as shared
from bot.nonconformity.blocks import ref
from bot.nonconformity.lifecycle import Status, Step
from bot.registry import Action
from bot.surfaces.blocks import Reply, actions, button, confirm_dialog, day_text, section
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import plural, sentence
from storage.models import CorrectiveAction, Nonconformity

ASK_BLOCK = "nc_ask"
MAX_ASK_BUTTONS = 5
# The owner's step in each status, its button, and how the bot names it.
OWNER_STEPS: dict[Status, tuple[Step, str, str]] = {
    Status.OPEN: (Step.CONTAIN, "Record containment", "record the containment"),
    Status.CONTAINED: (Step.RECORD_ROOT_CAUSE, "Record root cause", "record the root cause"),
    Status.ROOT_CAUSE_FOUND: (Step.ADD_ACTION, "Add action", "plan the actions: add the first one"),
}
STEP_ACTIONS = {
    Step.CONTAIN: Action.NC_CONTAIN,
    Step.RECORD_ROOT_CAUSE: Action.NC_ROOT_CAUSE,
    Step.ADD_ACTION: Action.NC_ADD_ACTION,
    Step.VERIFY_EFFECTIVE: Action.NC_VERIFY,
}
DONE = {
    Step.CONTAIN: "You recorded the containment",
    Step.RECORD_ROOT_CAUSE: "You recorded the root cause",
    Step.ADD_ACTION: "You added an action",
    Step.VERIFY_EFFECTIVE: "You verified the actions as effective",
    Step.VERIFY_NOT_EFFECTIVE: "You found the actions not effective",
    Step.CLOSE: "You closed it",
    Step.CANCEL: "You cancelled it",
}


def title(nc: Nonconformity) -> str:
    return safe(nc.title, 200)


def next_for_owner(nc: Nonconformity) -> str:
    status = Status(nc.status)
    if status in OWNER_STEPS:
        return OWNER_STEPS[status][2]
    return "get the actions done" if status is Status.ACTIONS_PLANNED else "move it on"


# --- the buttons ---------------------------------------------------------------------------


def step_button(nc: Nonconformity, step: Step, label: str | None = None) -> dict[str, Any]:
    """A button opening the step's form, carrying the plain id."""
    names = {Step.VERIFY_EFFECTIVE: "Verify effectiveness", **{s: name for s, name, _ in OWNER_STEPS.values()}}
    return button(label or names[step], STEP_ACTIONS[step], str(nc.id), style="primary")


def done_button(nc: Nonconformity, action: CorrectiveAction) -> dict[str, Any]:
    return shared.done_button(shared.of_nc(nc), action)


def close_button(nc: Nonconformity) -> dict[str, Any]:
    dialog = confirm_dialog(
        "Close this NC?", f"Close *{nc.number}*? Its nudges stop and the record is final.", "Close NC"
    )
    return button("Close NC", Action.NC_CLOSE, drawn(nc), style="primary", confirm=dialog)


def independent(user: str, actions: Iterable[CorrectiveAction]) -> bool:
    """A manager who owned or did none of the actions may verify them."""
    return all(user not in (a.owner, a.done_by) for a in actions)


def buttons_for(nc: Nonconformity, actions: list[CorrectiveAction], user: str, manager: bool) -> list[dict[str, Any]]:
    """The buttons `user` may press on `nc` now, on a surface addressed to them alone."""
    status = Status(nc.status)
    found: list[dict[str, Any]] = []
    if status in OWNER_STEPS and (user == nc.owner or manager):
        found.append(step_button(nc, OWNER_STEPS[status][0]))
    if status is Status.ACTIONS_PLANNED:
        found += [done_button(nc, a) for a in actions if a.status == "open" and a.owner == user]
    if status is Status.ACTIONS_DONE and manager and independent(user, actions):
        found.append(step_button(nc, Step.VERIFY_EFFECTIVE))
    if status is Status.EFFECTIVENESS_VERIFIED and manager:
        found.append(close_button(nc))
    return found[:MAX_ASK_BUTTONS]


def ask(text: str, buttons: list[dict[str, Any]]) -> Reply:
    if not buttons:
        return Reply(text)
    return Reply(text, [section(text), actions(ASK_BLOCK, buttons)])


# --- messages to one person ----------------------------------------------------------------


def owner_assigned(nc: Nonconformity) -> Reply:
    text = (
        f"You own *{ref(nc)}* · {title(nc)}, raised by {mention(nc.reporter)}; due {day_text(nc.due_date)}. "
        "First step: record the containment."
    )
    return ask(text, [step_button(nc, Step.CONTAIN)])


def action_assigned(nc: Nonconformity, action: CorrectiveAction) -> Reply:
    return shared.assigned(shared.of_nc(nc), action)


def _when(stage: str, due: date) -> str:
    if stage == "today":
        return "is due *today*"
    if stage.startswith("before-"):
        return f"is due on {day_text(due)}"
    return f"was due on {day_text(due)} and is *overdue*"


def nc_reminder(nc: Nonconformity, stage: str, today: date) -> Reply:
    text = f":alarm_clock: *{ref(nc)}* · {title(nc)} {_when(stage, nc.due_date)}. Next: {next_for_owner(nc)}."
    status = Status(nc.status)
    return ask(text, [step_button(nc, OWNER_STEPS[status][0])] if status in OWNER_STEPS else [])


def action_reminder(nc: Nonconformity, action: CorrectiveAction, stage: str, today: date) -> Reply:
    return shared.reminder(shared.of_nc(nc), action, stage)


def escalation(nc: Nonconformity, action: CorrectiveAction | None, today: date) -> Reply:
    """To a QMS manager, who may take the owner's step or mark the action done themselves."""
    if action is None:
        days = (today - nc.due_date).days
        status = Status(nc.status)
        text = f":rotating_light: *{ref(nc)}* · {title(nc)} is {plural(days, 'day')} overdue ({status.label.lower()}); owner {mention(nc.owner)}."
        return ask(text, [step_button(nc, OWNER_STEPS[status][0])] if status in OWNER_STEPS else [])
    return shared.escalation(shared.of_nc(nc), action, today)


def verification_due(nc: Nonconformity, actions: list[CorrectiveAction], manager: str) -> Reply:
    """The request to verify: the button only for a manager who did none of the actions."""
    text = f":mag: The actions on *{ref(nc)}* · {title(nc)} are done. Please verify their effectiveness."
    if not independent(manager, actions):
        text += " You owned or did some of them, so another QMS manager must verify."
        return Reply(text)
    return ask(text, [step_button(nc, Step.VERIFY_EFFECTIVE)])


def action_done_note(nc: Nonconformity, action: CorrectiveAction, all_done: bool) -> Reply:
    """To the NC owner: who did which action, with what evidence."""
    then = " All actions are done: a QMS manager verifies their effectiveness next." if all_done else ""
    text = (
        f":white_check_mark: {mention(action.done_by or '')} marked *A{action.seq}* done on *{ref(nc)}* · {sentence(title(nc))} "
        f"Evidence: {safe(action.evidence or '', 1500)}{then}"
    )
    return Reply(text)


def not_effective_note(nc: Nonconformity) -> Reply:
    """To the NC owner: the effectiveness check failed, the root cause is theirs again."""
    text = (
        f":x: The actions on *{ref(nc)}* · {title(nc)} were found *not effective*: "
        f"{sentence(safe(nc.verification_note or 'no note', 1500))} Next: record the root cause again."
    )
    return ask(text, [step_button(nc, Step.RECORD_ROOT_CAUSE)])


def outcome_note(nc: Nonconformity) -> Reply:
    """To the person who raised it: how it ended."""
    if Status(nc.status) is Status.CANCELLED:
        reason = sentence(safe(nc.cancel_reason or "", 1500))
        text = f":no_entry_sign: *{ref(nc)}* · {title(nc)}, which you raised, was cancelled by {mention(nc.closed_by or '')}: not a nonconformity. {reason}"
    else:
        text = f":lock: *{ref(nc)}* · {title(nc)}, which you raised, is closed: its actions were verified as effective. Thank you for raising it."
    return Reply(text)


def after_step(
    nc: Nonconformity, actions: list[CorrectiveAction], user: str, manager: bool, step: Step, action_id: int | None
) -> Reply:
    """The DM that asked for a step, redrawn once it was taken: what was done, and what this
    person may do next there (never the step just taken)."""
    done = DONE.get(step)
    if step is Step.COMPLETE_ACTIONS:
        seq = next((a.seq for a in actions if a.id == action_id), None)
        done = f"You marked A{seq} done" if seq else "You marked the action done"
    text = f":white_check_mark: {done} on *{ref(nc)}* · {sentence(title(nc))}"
    buttons = buttons_for(nc, actions, user, manager)
    status = Status(nc.status)
    if status in OWNER_STEPS and buttons:
        text += f" Next: {OWNER_STEPS[status][2]}."
    elif status is Status.EFFECTIVENESS_VERIFIED and buttons:
        text += " Next: close it."
    if step is Step.ADD_ACTION and status is Status.ACTIONS_PLANNED and (user == nc.owner or manager):
        buttons.append(step_button(nc, Step.ADD_ACTION, "Add another action"))
    return ask(text, buttons[:MAX_ASK_BUTTONS])
