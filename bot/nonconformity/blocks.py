"""Block Kit for nonconformities: modals, the card, nudges and lists. Pure functions.

Every piece of user text goes through `safe` (escaped, then cut to the field's limit), so a
title of `<!channel> fire` pings nobody and a 3000-character description never fails a call.
"""

from __future__ import annotations

import json
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any

from bot.nonconformity.lifecycle import (
    ACTION_KINDS,
    ELSEWHERE,
    ROOT_CAUSE_METHODS,
    SEVERITY_LABELS,
    SOURCES,
    Status,
    Step,
    next_steps,
)
from bot.registry import Action, Callback
from bot.surfaces.blocks import (
    Reply,
    actions,
    button,
    capped_lines,
    confirm_dialog,
    context,
    datepicker,
    divider,
    header,
    input_block,
    modal,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.surfaces.mrkdwn import mention, safe, unescape
from bot.workspace.config import SEVERITIES, Settings
from storage.models import AuditEvent, CorrectiveAction, Nonconformity

if TYPE_CHECKING:
    from bot.nonconformity import RaiseForm, Record


STEP_BUTTONS: dict[Step, str] = {
    Step.CONTAIN: Action.NC_CONTAIN,
    Step.RECORD_ROOT_CAUSE: Action.NC_ROOT_CAUSE,
    Step.ADD_ACTION: Action.NC_ADD_ACTION,
    Step.COMPLETE_ACTIONS: Action.NC_ACTION_DONE,
    Step.VERIFY_EFFECTIVE: Action.NC_VERIFY,
    Step.CLOSE: Action.NC_CLOSE,
    Step.CANCEL: Action.NC_CANCEL,
}
MAX_DONE_BUTTONS = 5
SEVERITY_EMOJI = {
    "critical": ":red_circle:",
    "major": ":large_orange_circle:",
    "minor": ":large_yellow_circle:",
    "observation": ":white_circle:",
}


def ref(nc: Nonconformity) -> str:
    """The NC number, linked to its card when the card is out."""
    if nc.card_permalink:
        return f"<{nc.card_permalink}|{nc.number}>"
    return nc.number


def _date(day: date) -> str:
    return f"{day:%a %d %b %Y}"


def due_text(due: date, today: date, active: bool = True) -> str:
    text = _date(due)
    if not active:
        return text
    days = (due - today).days
    if days < 0:
        return f"{text} · *{-days} day{'s' if days != -1 else ''} overdue*"
    if days == 0:
        return f"{text} · *due today*"
    return f"{text} · in {days} day{'s' if days != 1 else ''}"


# --- modals --------------------------------------------------------------------------------


def raise_modal(
    settings: Settings,
    form: RaiseForm,
    *,
    capture_id: int | None = None,
    complaint_id: int | None = None,
    audit_line: int | None = None,
    checklist_at: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The form; the IDs ride in its metadata: the message copied, the complaint, or the audit's
    checklist line it comes from (and where that checklist is shown, to redraw it)."""
    days = ", ".join(f"{s} {settings.due_days[s]} d" for s in SEVERITIES)
    blocks = [
        input_block(
            "title",
            "Title",
            text_input("value", max_length=150, initial=form.title, placeholder="What is wrong, in a few words"),
        ),
        input_block(
            "description",
            "What happened",
            text_input(
                "value",
                multiline=True,
                max_length=3000,
                initial=form.description,
                placeholder="What, where, when, how many; what should it have been?",
            ),
        ),
        input_block(
            "severity",
            "Severity",
            static_select(
                "value",
                [(SEVERITY_LABELS[s], s) for s in SEVERITIES],
                initial=form.severity,
                placeholder="How bad is it?",
            ),
        ),
        input_block(
            "source",
            "Source",
            static_select(
                "value", list((label, key) for key, label in SOURCES.items()), initial=form.source or "employee_report"
            ),
        ),
        input_block(
            "process",
            "Process or area",
            static_select(
                "value", [(p, p) for p in settings.processes], initial=form.process, placeholder="Where did it happen?"
            ),
        ),
        input_block(
            "supplier",
            "Supplier",
            text_input("value", max_length=150, initial=form.supplier),
            optional=True,
            hint="Required when the source is a supplier.",
        ),
        input_block(
            "iso_clause",
            "ISO 9001 clause",
            text_input("value", max_length=20, initial=form.iso_clause, placeholder="e.g. 8.5.1"),
            optional=True,
        ),
        input_block(
            "containment",
            "Containment already taken",
            text_input(
                "value",
                multiline=True,
                max_length=3000,
                initial=form.containment,
                placeholder="e.g. batch 4711 quarantined",
            ),
            optional=True,
        ),
        input_block(
            "owner",
            "Owner",
            users_select("value", initial=form.owner),
            optional=True,
            hint="Leave empty for the process owner (or the QMS manager).",
        ),
        input_block(
            "due_date",
            "Due date",
            datepicker("value"),
            optional=True,
            hint=f"Leave empty for the default by severity: {days}.",
        ),
    ]
    origin: dict[str, Any] = {
        k: v for k, v in (("capture", capture_id), ("complaint", complaint_id), ("audit_line", audit_line)) if v
    }
    if checklist_at:
        origin["clicked"] = list(checklist_at)
    metadata = json.dumps(origin) if origin else ""
    return modal(Callback.NC_RAISE, "Raise nonconformity", blocks, submit="Raise", private_metadata=metadata)


def _about(record: Record) -> dict[str, Any]:
    nc = record.nc
    return section(f"*{nc.number}* · {safe(nc.title, 200)}")


def containment_modal(record: Record) -> dict[str, Any]:
    nc = record.nc
    blocks = [
        _about(record),
        input_block(
            "containment",
            "Containment",
            text_input(
                "value",
                multiline=True,
                max_length=3000,
                initial=nc.containment or nc.initial_containment,
                placeholder="What stops the problem spreading now: quarantine, sorting, stop the line…",
            ),
        ),
    ]
    return modal(Callback.NC_CONTAIN, "Containment", blocks, submit="Save", private_metadata=str(nc.id))


def root_cause_modal(record: Record) -> dict[str, Any]:
    nc = record.nc
    blocks = [
        _about(record),
        input_block(
            "method",
            "Method",
            static_select(
                "value",
                [(label, key) for key, label in ROOT_CAUSE_METHODS.items()],
                initial=nc.root_cause_method or "five_whys",
            ),
        ),
        input_block(
            "cause",
            "Root cause",
            text_input(
                "value",
                multiline=True,
                max_length=3000,
                initial=nc.root_cause,
                placeholder="Why did it happen? For 5 whys, write each why on its own line.",
            ),
        ),
        input_block(
            "elsewhere",
            "Could this occur elsewhere?",
            static_select("value", [(label, key) for key, label in ELSEWHERE.items()], initial=nc.occurs_elsewhere),
        ),
        input_block(
            "elsewhere_note",
            "Where else",
            text_input("value", multiline=True, max_length=1000, initial=nc.elsewhere_note),
            optional=True,
            hint="Required when it could occur elsewhere.",
        ),
    ]
    if nc.failed_verifications:
        blocks.insert(
            1, context(f":x: The last effectiveness check failed: {safe(nc.verification_note or 'no note', 500)}")
        )
    return modal(Callback.NC_ROOT_CAUSE, "Root cause", blocks, submit="Save", private_metadata=str(nc.id))


def action_modal(record: Record, today: date) -> dict[str, Any]:
    nc = record.nc
    blocks = [
        _about(record),
        input_block(
            "kind",
            "Kind",
            static_select("value", [(label, key) for key, label in ACTION_KINDS.items()], initial="corrective"),
            hint="Corrective removes the cause here; preventive stops it happening elsewhere.",
        ),
        input_block(
            "description",
            "Action",
            text_input(
                "value", multiline=True, max_length=3000, placeholder="What will be done, so the cause cannot come back"
            ),
        ),
        input_block("owner", "Owner", users_select("value", initial=nc.owner)),
        input_block("due_date", "Due date", datepicker("value", initial=max(nc.due_date, today))),
    ]
    return modal(Callback.NC_ACTION, "Add action", blocks, submit="Add", private_metadata=str(nc.id))


def done_modal(record: Record, action: CorrectiveAction) -> dict[str, Any]:
    nc = record.nc
    blocks = [
        _about(record),
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
    ]
    return modal(
        Callback.NC_ACTION_DONE,
        f"Mark A{action.seq} done",
        blocks,
        submit="Done",
        private_metadata=f"{nc.id}:{action.id}",
    )


def verify_modal(record: Record, zone: tzinfo | None = None) -> dict[str, Any]:
    nc = record.nc
    blocks = [
        _about(record),
        section(capped_lines([action_line(nc, a, None, zone) for a in record.actions])),
        input_block(
            "result",
            "Were the actions effective?",
            static_select(
                "value",
                [
                    ("Effective: the problem has not come back", "effective"),
                    ("Not effective: back to root cause", "not_effective"),
                ],
            ),
        ),
        input_block(
            "note",
            "Verification note",
            text_input("value", multiline=True, max_length=3000, placeholder="What you checked: data, audit, samples"),
            optional=True,
            hint="Required when not effective.",
        ),
    ]
    # The version the manager saw: if actions change meanwhile, the verification is refused.
    return modal(
        Callback.NC_VERIFY, "Verify effectiveness", blocks, submit="Save", private_metadata=f"{nc.id}@{nc.version}"
    )


def cancel_modal(record: Record) -> dict[str, Any]:
    nc = record.nc
    blocks = [
        _about(record),
        input_block("reason", "Why is this not a nonconformity?", text_input("value", multiline=True, max_length=3000)),
    ]
    return modal(Callback.NC_CANCEL, "Cancel NC", blocks, submit="Cancel NC", close="Back", private_metadata=str(nc.id))


# --- the card -------------------------------------------------------------------------------


def action_added(action: CorrectiveAction) -> str:
    return f"*A{action.seq}* ({ACTION_KINDS[action.kind].lower()}) for {mention(action.owner)}, due {_date(action.due_date)}: {safe(action.description, 2000)}"


def action_line(nc: Nonconformity, action: CorrectiveAction, today: date | None, zone: tzinfo | None = None) -> str:
    line = f"*A{action.seq}* {ACTION_KINDS[action.kind].lower()} · {safe(action.description, 400)} · {mention(action.owner)}"
    if action.status == "done":
        when = f" {action.done_at.astimezone(zone):%d %b}" if action.done_at else ""
        return f":white_check_mark: {line} · done{when} by {mention(action.done_by or '')}: {safe(action.evidence or '', 300)}"
    due = due_text(action.due_date, today) if today else _date(action.due_date)
    return f":black_square_button: {line} · due {due}"


def card(record: Record, today: date, settings: Settings) -> Reply:
    nc = record.nc
    status = Status(nc.status)
    source = SOURCES[nc.source] + (f": {safe(nc.supplier, 150)}" if nc.supplier else "")
    fields = [
        f"*Status*\n{status.label}",
        f"*Severity*\n{SEVERITY_EMOJI[nc.severity]} {SEVERITY_LABELS[nc.severity]}",
        f"*Process*\n{safe(nc.process, 100)}",
        f"*Owner*\n{mention(nc.owner)}",
        f"*Due*\n{due_text(nc.due_date, today, not status.finished)}",
        f"*Source*\n{source}",
        f"*Raised by*\n{mention(nc.reporter)} on {nc.raised_at.astimezone(settings.zone):%d %b %Y}",
    ]
    if nc.iso_clause:
        fields.append(f"*ISO 9001 clause*\n{safe(nc.iso_clause, 20)}")
    blocks: list[dict[str, Any]] = [
        header(f"{nc.number} · {nc.title}"),
        section(f"*What happened*\n{safe(nc.description, 2900)}", fields=None),
        section(None, fields=fields),
    ]
    containment = nc.containment or nc.initial_containment
    if containment:
        label = "Containment" if nc.containment else "Containment taken when raised"
        blocks.append(section(f"*{label}*\n{safe(containment, 2900)}"))
    if nc.root_cause:
        where = f" — {safe(nc.elsewhere_note, 400)}" if nc.elsewhere_note else ""
        method = ROOT_CAUSE_METHODS.get(nc.root_cause_method or "", "")
        blocks.append(
            section(
                f"*Root cause* ({method})\n{safe(nc.root_cause, 2400)}\nCould this occur elsewhere? *{ELSEWHERE.get(nc.occurs_elsewhere or '', '—')}*{where}"
            )
        )
    if record.actions:
        blocks.append(
            section(
                "*Actions*\n" + capped_lines([action_line(nc, a, today, settings.zone) for a in record.actions], 2900)
            )
        )
    if nc.failed_verifications and status is not Status.EFFECTIVENESS_VERIFIED and not status.finished:
        blocks.append(
            context(
                f":x: Effectiveness check failed ({nc.failed_verifications}×): {safe(nc.verification_note or 'no note', 500)}"
            )
        )
    if nc.verified_by:
        note = f": {safe(nc.verification_note, 500)}" if nc.verification_note else ""
        blocks.append(context(f":white_check_mark: Effective, verified by {mention(nc.verified_by)}{note}"))
    if status is Status.CANCELLED:
        blocks.append(
            context(
                f":no_entry_sign: Cancelled by {mention(nc.closed_by or '')}, not a nonconformity: {safe(nc.cancel_reason or '', 500)}"
            )
        )
    if status is Status.CLOSED:
        blocks.append(
            context(
                f":lock: Closed by {mention(nc.closed_by or '')} on {nc.closed_at.astimezone(settings.zone):%d %b %Y}"
                if nc.closed_at
                else ":lock: Closed"
            )
        )
    if record.capture:
        capture = record.capture
        author = f" by {mention(capture.author)}" if capture.author else ""
        link = f"<{capture.permalink}|the original message>" if capture.permalink else "a message"
        # A message from a private channel or a DM is linked, never quoted, on a card others read.
        quote = f": “{safe(unescape(capture.text), 300)}”" if capture.public else ""
        where = f" in {mention(capture.channel)}" if capture.public else ""
        blocks.append(context(f"Raised from {link}{author}{where}{quote}"))
    if record.complaint:
        number, permalink = record.complaint
        shown = f"<{permalink}|{number}>" if permalink else number
        blocks.append(context(f":speech_balloon: Raised from customer complaint *{shown}*"))
    if nc.recurrence_of:
        blocks.append(
            context(
                f":repeat: Recurrence of *{record.numbers.get(nc.recurrence_of, '?')}*: that NC's effectiveness is in question."
            )
        )
    if record.recurred_as:
        blocks.append(
            context(
                f":warning: Recurred as {', '.join(record.recurred_as)}: the effectiveness of these actions is in question."
            )
        )
    buttons = _buttons(record)
    if nc.possible_recurrence_of:
        earlier = record.numbers.get(nc.possible_recurrence_of, "an earlier NC")
        blocks.append(
            section(
                f":repeat: *Possible recurrence of {earlier}* (same process, closed within {settings.recurrence_months} months). A QMS manager decides."
            )
        )
        blocks.append(
            actions(
                "nc_recurrence",
                [
                    button("Link as recurrence", Action.NC_LINK_RECURRENCE, str(nc.id)),
                    button("Not a recurrence", Action.NC_DISMISS_RECURRENCE, str(nc.id)),
                ],
            )
        )
    if buttons:
        blocks.append(actions("nc_steps", buttons))
    text = f"{nc.number} ({status.label.lower()}): {safe(nc.title, 200)}"
    return Reply(text, blocks)


def _buttons(record: Record) -> list[dict[str, Any]]:
    nc = record.nc
    value = str(nc.id)
    elements: list[dict[str, Any]] = []
    labels = {
        Step.CONTAIN: "Record containment",
        Step.RECORD_ROOT_CAUSE: "Record root cause",
        Step.ADD_ACTION: "Add action",
        Step.VERIFY_EFFECTIVE: "Verify effectiveness",
        Step.CLOSE: "Close NC",
        Step.CANCEL: "Cancel NC",
    }
    steps = next_steps(nc.status)
    for step in steps:
        if step is Step.VERIFY_NOT_EFFECTIVE or step is Step.CANCEL:
            continue
        if step is Step.CLOSE:
            dialog = confirm_dialog(
                "Close this NC?", f"Close *{nc.number}*? Its nudges stop and the record is final.", "Close NC"
            )
            elements.append(
                button(labels[step], STEP_BUTTONS[step], f"{value}@{nc.version}", style="primary", confirm=dialog)
            )
            continue
        primary = step is not Step.ADD_ACTION or Status(nc.status) is Status.ROOT_CAUSE_FOUND
        elements.append(button(labels[step], STEP_BUTTONS[step], value, style="primary" if primary else None))
        if step is Step.ADD_ACTION and Status(nc.status) is Status.ACTIONS_PLANNED:
            open_actions = [a for a in record.actions if a.status == "open"]
            for action in open_actions[:MAX_DONE_BUTTONS]:
                elements.append(
                    button(f"Mark A{action.seq} done", STEP_BUTTONS[Step.COMPLETE_ACTIONS], f"{nc.id}:{action.id}")
                )
    if Step.CANCEL in steps:
        elements.append(button(labels[Step.CANCEL], STEP_BUTTONS[Step.CANCEL], value, style="danger"))
    return elements


# --- messages to people ----------------------------------------------------------------------


def _title(nc: Nonconformity) -> str:
    return safe(nc.title, 200)


def raised_confirmation(nc: Nonconformity, qms_channel: str | None) -> Reply:
    if nc.card_permalink:
        where = f" The card: {ref(nc)}."
    elif qms_channel:
        where = f" (Its card could not be posted in {mention(qms_channel)}; ask your QMS manager to invite the bot there. `/nc {nc.number}` shows the record.)"
    else:
        where = f" `/nc {nc.number}` shows it."
    text = (
        f"Thanks: you raised *{nc.number}* · {_title(nc)}. Owner: {mention(nc.owner)}, due {_date(nc.due_date)}.{where}"
    )
    return Reply(text)


def owner_assigned(nc: Nonconformity) -> Reply:
    text = (
        f"You own *{ref(nc)}* · {_title(nc)}, raised by {mention(nc.reporter)}; due {_date(nc.due_date)}. "
        "First step: record the containment on the card."
    )
    return Reply(text)


def action_assigned(nc: Nonconformity, action: CorrectiveAction) -> Reply:
    text = (
        f"You have an action on *{ref(nc)}* · {_title(nc)}: *A{action.seq}* {safe(action.description, 1500)}. "
        f"Due {_date(action.due_date)}. Mark it done with evidence on the card."
    )
    return Reply(text)


def _when(stage: str, due: date) -> str:
    if stage == "today":
        return "is due *today*"
    if stage.startswith("before-"):
        return f"is due on {_date(due)}"
    return f"was due on {_date(due)} and is *overdue*"


def nc_reminder(nc: Nonconformity, stage: str, today: date) -> Reply:
    status = Status(nc.status)
    step = {
        Status.OPEN: "record containment",
        Status.CONTAINED: "record the root cause",
        Status.ROOT_CAUSE_FOUND: "plan the actions",
        Status.ACTIONS_PLANNED: "get the actions done",
    }.get(status, "move it on")
    text = f":alarm_clock: *{ref(nc)}* · {_title(nc)} {_when(stage, nc.due_date)}. Next: {step}."
    return Reply(text)


def action_reminder(nc: Nonconformity, action: CorrectiveAction, stage: str, today: date) -> Reply:
    text = f":alarm_clock: Your action *A{action.seq}* on *{ref(nc)}* {_when(stage, action.due_date)}: {safe(action.description, 1500)}"
    return Reply(text)


def escalation(nc: Nonconformity, action: CorrectiveAction | None, today: date) -> Reply:
    if action is None:
        days = (today - nc.due_date).days
        text = f":rotating_light: *{ref(nc)}* · {_title(nc)} is {days} days overdue ({Status(nc.status).label.lower()}); owner {mention(nc.owner)}."
    else:
        days = (today - action.due_date).days
        text = f":rotating_light: Action *A{action.seq}* on *{ref(nc)}* is {days} days overdue; owner {mention(action.owner)}: {safe(action.description, 1000)}"
    return Reply(text)


def verification_due(nc: Nonconformity) -> Reply:
    text = f":mag: The actions on *{ref(nc)}* · {_title(nc)} are done. Please verify their effectiveness on the card (someone who did none of them)."
    return Reply(text)


# --- finding things -----------------------------------------------------------------------------


LIST_TITLES = {"mine": "Your open NCs and actions", "open": "Open NCs", "overdue": "Overdue NCs"}


def list_line(nc: Nonconformity, today: date) -> str:
    return f"*{ref(nc)}* · {safe(nc.title, 120)} · {Status(nc.status).label} · {mention(nc.owner)} · due {due_text(nc.due_date, today)}"


def nc_list(which: str, ncs: list[Nonconformity], today: date, limit: int, total: int | None = None) -> Reply:
    """The first `limit` of `ncs` (newest first); `total` counts them all when only a page was read."""
    title = LIST_TITLES[which]
    total = len(ncs) if total is None else total
    if not ncs:
        empty = {
            "mine": "You own no open NC and no open action.",
            "open": "No open NCs.",
            "overdue": "Nothing is overdue.",
        }[which]
        return Reply(f"{title}: none. {empty}")
    text = f"{title}: {total}"
    body = capped_lines([list_line(nc, today) for nc in ncs[:limit]], 2900, max_lines=limit, total=total)
    return Reply(
        text,
        [
            section(f"*{title}* ({total}), newest first"),
            section(body),
            context("`/nc NC-2026-0001` shows one record with its history."),
        ],
    )


def history_line(event: AuditEvent, settings: Settings) -> str:
    when = event.at.astimezone(settings.zone)
    note = f" — {safe(event.note, 200)}" if event.note else ""
    return f"{when:%d %b %H:%M} {mention(event.actor)} {event.action.replace('_', ' ')}{note}"


def record_with_history(record: Record, events: list[AuditEvent], today: date, settings: Settings) -> Reply:
    """The card with its history, buttons last: a person can work the NC from here too."""
    shown = card(record, today, settings)
    buttons = [b for b in shown.blocks if b.get("type") == "actions"]
    blocks = [b for b in shown.blocks if b.get("type") != "actions"]
    blocks += [divider(), section("*History*\n" + capped_lines([history_line(e, settings) for e in events], 2900))]
    return Reply(shown.text, blocks + buttons)
