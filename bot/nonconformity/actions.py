"""Actions with owners and due dates, whichever record holds them: an NC (corrective and
preventive actions) or a risk (its treatment actions). One implementation for both.

An action belongs to exactly one record (`corrective_action.nc_id` or `.risk_id`); what the
action's texts, buttons, reminders and escalations need of that record is its `Holder`. The
NC package's steps and the risk register call these, each around its own record's checks,
trail and card: adding an action and telling its owner, marking it done with evidence, its
forms, its line on a card, and what the nudge tick queues about it. The outbox keys are the
NC's (`nca:<action id>:…`): action ids are one sequence, so a key names one action whatever
holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlmodel import Session

from bot import evidence
from bot.delivery.due import due_stage, manager_recipients, next_stage
from bot.delivery.keys import Key
from bot.delivery.nudges import Due, Look
from bot.delivery.outbox import Nudge, enqueue
from bot.errors import AlreadyDone
from bot.nonconformity.lifecycle import ACTION_KINDS
from bot.registry import Action, item_action_id
from bot.surfaces.blocks import (
    Reply,
    actions,
    button,
    datepicker,
    day_text,
    due_text,
    input_block,
    modal,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import plural, sentence
from storage import nonconformities as store
from storage import outbox as outbox_rows
from storage.models import CorrectiveAction, Nonconformity

ASK_BLOCK = "nc_ask"

# Everything queued about one action, whichever record holds it (the keys NC actions always had).
ACTION_ALL = Key("nca:{action}:")
ACTION_ASSIGNED = Key("nca:{action}:assigned")
ACTION_REMINDER = Key("nca:{action}:{due:%Y%m%d}:{stage}")
ACTION_ESCALATION = Key("nca:{action}:escalate:{due:%Y%m%d}:{manager}")


@dataclass(frozen=True)
class Holder:
    """The record an action belongs to, as the action's messages and nudges need it."""

    id: int
    number: str
    title: str
    owner: str
    permalink: str | None  # its card's, when the card is out
    finished: bool  # closed or cancelled: its actions are reminded no more
    done: Action  # the registry id of its "Mark A1 done" buttons

    @property
    def ref(self) -> str:
        """The record's number, linked to its card when the card is out."""
        return f"<{self.permalink}|{self.number}>" if self.permalink else self.number

    @property
    def shown_title(self) -> str:
        return safe(self.title, 200)


def of_nc(nc: Nonconformity) -> Holder:
    assert nc.id is not None
    finished = nc.status in store.FINISHED
    return Holder(nc.id, nc.number, nc.title, nc.owner, nc.card_permalink, finished, Action.NC_ACTION_DONE)


# --- the buttons and the line on a card ------------------------------------------------------


def done_button(holder: Holder, action: CorrectiveAction, *, style: str | None = "primary") -> dict[str, Any]:
    """ "Mark A1 done": one action_id per action (Slack refuses a block whose buttons share one),
    the value `<record id>:<action id>`."""
    return button(
        f"Mark A{action.seq} done", item_action_id(holder.done, action.id), f"{holder.id}:{action.id}", style=style
    )


def action_added(action: CorrectiveAction) -> str:
    return f"*A{action.seq}* ({ACTION_KINDS[action.kind].lower()}) for {mention(action.owner)}, due {day_text(action.due_date)}: {safe(action.description, 2000)}"


def action_line(action: CorrectiveAction, today: date | None, zone: Any = None) -> str:
    line = f"*A{action.seq}* {ACTION_KINDS[action.kind].lower()} · {safe(action.description, 400)} · {mention(action.owner)}"
    if action.status == "done":
        when = f" {action.done_at.astimezone(zone):%d %b}" if action.done_at else ""
        return f":white_check_mark: {line} · done{when} by {mention(action.done_by or '')}: {safe(action.evidence or '', 300)}"
    due = due_text(action.due_date, today) if today else day_text(action.due_date)
    return f":black_square_button: {line} · due {due}"


# --- the forms -------------------------------------------------------------------------------


def action_modal(
    callback: str,
    about: str,
    owner: str,
    due: date,
    metadata: str,
    *,
    kinds: bool = True,
    placeholder: str | None = None,
) -> dict[str, Any]:
    """The "Add action" form: kind (when `kinds`), what, owner, due date."""
    kind = input_block(
        "kind",
        "Kind",
        static_select("value", [(label, key) for key, label in ACTION_KINDS.items()], initial="corrective"),
        hint="Corrective removes the cause here; preventive stops it happening elsewhere.",
    )
    what = placeholder or "What will be done, so the cause cannot come back"
    blocks = [
        section(about),
        *([kind] if kinds else []),
        input_block("description", "Action", text_input("value", multiline=True, max_length=3000, placeholder=what)),
        input_block("owner", "Owner", users_select("value", initial=owner)),
        input_block("due_date", "Due date", datepicker("value", initial=due)),
    ]
    return modal(callback, "Add action", blocks, submit="Add", private_metadata=metadata)


def done_modal(callback: str, about: str, action: CorrectiveAction, metadata: str) -> dict[str, Any]:
    """The "Mark A1 done" form: the evidence, typed and attached."""
    blocks = [
        section(about),
        section(f"*A{action.seq}* · {safe(action.description, 2500)}"),
        input_block(
            "evidence",
            "Evidence",
            text_input(
                "value",
                multiline=True,
                max_length=3000,
                placeholder="What shows it is done: document revision, photo link, training record…",
            ),
        ),
        evidence.files_input(),
    ]
    return modal(callback, f"Mark A{action.seq} done", blocks, submit="Done", private_metadata=metadata)


# --- adding one, marking one done (inside the holder's own transaction) ----------------------


def add(session: Session, parent: dict[str, int], values: dict[str, Any], user: str, now: datetime) -> CorrectiveAction:
    """Store the holder's next action (`parent`: {"nc_id": id} or {"risk_id": id}); AlreadyDone
    when this submission already added it. `tell_owner` then tells its owner."""
    action = store.add_action(session, {**parent, **values, "status": "open", "created_by": user, "created_at": now})
    if action is None:
        raise AlreadyDone("This action was already added (the form was sent twice). Nothing was changed.")
    return action


def tell_owner(session: Session, holder: Holder, action: CorrectiveAction, user: str, now: datetime) -> None:
    """The action's owner hears of it with its Mark done button, unless they added it themselves."""
    if action.owner != user:
        note = assigned(holder, action)
        key = ACTION_ASSIGNED.key(action=action.id)
        enqueue(session, Nudge(key, action.owner, note.text, note.blocks, record_ref=holder.number), now)


def complete(session: Session, holder: Holder, action: CorrectiveAction, user: str, now: datetime, proof: str) -> None:
    """Mark an open action done with its evidence, and stop its reminders; AlreadyDone if someone was first."""
    if not store.complete_action(session, action, by=user, at=now, evidence=proof):
        session.refresh(action)
        raise already_done(holder, action)
    outbox_rows.cancel_pending(session, ACTION_ALL.prefix(action=action.id))


def already_done(holder: Holder, action: CorrectiveAction) -> AlreadyDone:
    return AlreadyDone(
        f"Already done by {mention(action.done_by or '')}: {holder.number}/A{action.seq} is marked done. Nothing was changed."
    )


# --- messages to the action's owner and the QMS managers -------------------------------------


def _ask(text: str, buttons: list[dict[str, Any]]) -> Reply:
    return Reply(text, [section(text), actions(ASK_BLOCK, buttons)]) if buttons else Reply(text)


def _when(stage: str, due: date) -> str:
    if stage == "today":
        return "is due *today*"
    if stage.startswith("before-"):
        return f"is due on {day_text(due)}"
    return f"was due on {day_text(due)} and is *overdue*"


def assigned(holder: Holder, action: CorrectiveAction) -> Reply:
    text = (
        f"You have an action on *{holder.ref}* · {holder.shown_title}: *A{action.seq}* {sentence(safe(action.description, 1500))} "
        f"Due {day_text(action.due_date)}. Mark it done with the evidence when it is."
    )
    return _ask(text, [done_button(holder, action)])


def reminder(holder: Holder, action: CorrectiveAction, stage: str) -> Reply:
    text = f":alarm_clock: Your action *A{action.seq}* on *{holder.ref}* {_when(stage, action.due_date)}: {safe(action.description, 1500)}"
    return _ask(text, [done_button(holder, action)])


def escalation(holder: Holder, action: CorrectiveAction, today: date) -> Reply:
    """To a QMS manager, who may mark the action done themselves."""
    days = (today - action.due_date).days
    text = f":rotating_light: Action *A{action.seq}* on *{holder.ref}* is {plural(days, 'day')} overdue; owner {mention(action.owner)}: {safe(action.description, 1000)}"
    return _ask(text, [done_button(holder, action)])


# --- what the nudge tick queues about an action ----------------------------------------------


def look(action: CorrectiveAction, holder: Holder, now: datetime, settings: Any) -> Look:
    """The action owner's reminder, and the managers' escalation once it is long overdue."""
    if action.status != "open" or holder.finished:
        return Look([], None)  # nothing more, unless the action changes
    local_today = now.astimezone(settings.zone).date()
    due: list[Due] = []
    stage = due_stage(action.due_date, local_today, settings)
    if stage:
        key = ACTION_REMINDER.key(action=action.id, due=action.due_date, stage=stage)
        due.append(Due(key, partial(_reminder, key, holder, action, stage)))
    escalate_on = action.due_date + timedelta(days=settings.escalate_after_days)
    if local_today >= escalate_on:
        for manager in manager_recipients(settings):
            key = ACTION_ESCALATION.key(action=action.id, due=action.due_date, manager=manager)
            due.append(Due(key, partial(_escalation, key, manager, holder, action, local_today)))
    return Look(due, next_stage(action.due_date, local_today, settings, escalate_on))


def _reminder(key: str, holder: Holder, action: CorrectiveAction, stage: str) -> Nudge:
    reply = reminder(holder, action, stage)
    return Nudge(key, action.owner, reply.text, reply.blocks, record_ref=holder.number, snoozable=True)


def _escalation(key: str, manager: str, holder: Holder, action: CorrectiveAction, today: date) -> Nudge:
    reply = escalation(holder, action, today)
    return Nudge(key, manager, reply.text, reply.blocks, record_ref=holder.number)
