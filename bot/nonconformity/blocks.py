"""Block Kit for nonconformities: the card, messages to people, and lists (the forms are in
modals.py). Pure functions.

Every piece of user text goes through `safe` (escaped, then cut to the field's limit), so a
title of `<!channel> fire` pings nobody and a 3000-character description never fails a call.
"""

from __future__ import annotations

from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any

from bot import evidence, outputs
from bot.delivery.versions import drawn
from bot.nonconformity import actions as shared
from bot.nonconformity.lifecycle import (
    ELSEWHERE,
    ROOT_CAUSE_METHODS,
    SEVERITY_LABELS,
    SOURCES,
    Status,
    Step,
    next_steps,
)
from bot.registry import Action
from bot.surfaces.blocks import (
    Reply,
    actions,
    button,
    capped_lines,
    confirm_dialog,
    context,
    day_text,
    divider,
    due_text,
    header,
    section,
)
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import moment, sentence
from bot.workspace.captures import origin_lines
from bot.workspace.config import Settings
from storage.models import AuditEvent, CorrectiveAction, Nonconformity

if TYPE_CHECKING:
    from bot.nonconformity.record import Record


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
# Under the card's buttons: the channel sees them all, so it is said who may press which.
WHO_PRESSES = (
    "Containment, root cause and actions: the NC owner or a QMS manager · Mark done: the action owner · "
    "Verify (QMS manager who did none of the actions) · Close, Cancel (QMS manager)"
)
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


# --- the card -------------------------------------------------------------------------------


def action_added(action: CorrectiveAction) -> str:
    return shared.action_added(action)


def action_line(nc: Nonconformity, action: CorrectiveAction, today: date | None, zone: tzinfo | None = None) -> str:
    return shared.action_line(action, today, zone)


WHO_PRESSES_BLOCK = "nc_who_presses"  # the card's line saying who may press which button
RECURRENCE_BLOCK = "nc_recurrence"


def card(record: Record, today: date, settings: Settings, *, show_copy: bool = False) -> Reply:
    """The NC's card; `show_copy` shows the copy of a private message (the reader may see it)."""
    nc = record.nc
    status = Status(nc.status)
    blocks: list[dict[str, Any]] = [
        header(f"{nc.number} · {nc.title}"),
        section(f"*What happened*\n{safe(nc.description, 2900)}", fields=None),
        section(None, fields=_facts(nc, status, today, settings)),
        *_work_done(record, today, settings),
        *_output(record, settings),
        *_outcome(nc, status, settings),
        *evidence.files_section(record.evidence),
        *_where_from(record, show_copy),
    ]
    buttons = _buttons(record)
    if nc.possible_recurrence_of:
        blocks += _recurrence_question(nc, record.numbers.get(nc.possible_recurrence_of, "an earlier NC"), settings)
    if buttons:
        blocks.append(actions("nc_steps", buttons))
        blocks.append({**context(WHO_PRESSES), "block_id": WHO_PRESSES_BLOCK})
    text = f"{nc.number} ({status.label.lower()}): {safe(nc.title, 200)}"
    return Reply(text, blocks)


def _facts(nc: Nonconformity, status: Status, today: date, settings: Settings) -> list[str]:
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
    return fields


def _work_done(record: Record, today: date, settings: Settings) -> list[dict[str, Any]]:
    """Containment, root cause and the actions, as far as they have been recorded."""
    nc = record.nc
    blocks: list[dict[str, Any]] = []
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
    return blocks


def _output(record: Record, settings: Settings) -> list[dict[str, Any]]:
    """The affected output, its dispositions and what is on hold, with their buttons."""
    o = record.outputs
    if o is None:
        return []
    return outputs.card_blocks(record.nc, o.output, o.decisions, o.holding, settings.zone)


def _outcome(nc: Nonconformity, status: Status, settings: Settings) -> list[dict[str, Any]]:
    """The effectiveness check, and how the NC ended (cancelled or closed)."""
    blocks: list[dict[str, Any]] = []
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
    return blocks


def _where_from(record: Record, show_copy: bool) -> list[dict[str, Any]]:
    """The message or complaint it was raised from, and the NCs it recurs or recurred as."""
    nc = record.nc
    blocks: list[dict[str, Any]] = []
    if record.capture:
        # A message from a private conversation is only linked on a card others read.
        blocks += [context(line) for line in origin_lines(record.capture, "Raised", show_copy=show_copy)]
    if record.complaint:
        number, permalink = record.complaint
        shown = f"<{permalink}|{number}>" if permalink else number
        blocks.append(context(f":speech_balloon: Raised from customer complaint *{shown}*"))
    if record.risk:
        number, permalink = record.risk
        shown = f"<{permalink}|{number}>" if permalink else number
        blocks.append(context(f":warning: Realises risk *{shown}* from the risk register"))
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
    return blocks


def _recurrence_question(nc: Nonconformity, earlier: str, settings: Settings) -> list[dict[str, Any]]:
    """A possible recurrence waits for a QMS manager's decision, with its two buttons."""
    return [
        section(
            f":repeat: *Possible recurrence of {earlier}* (same process, closed within {settings.recurrence_months} months). A QMS manager decides."
        ),
        actions(
            RECURRENCE_BLOCK,
            [
                button("Link as recurrence", Action.NC_LINK_RECURRENCE, drawn(nc)),
                button("Not a recurrence", Action.NC_DISMISS_RECURRENCE, drawn(nc)),
            ],
        ),
    ]


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
            elements.append(button(labels[step], STEP_BUTTONS[step], drawn(nc), style="primary", confirm=dialog))
            continue
        primary = step is not Step.ADD_ACTION or Status(nc.status) is Status.ROOT_CAUSE_FOUND
        elements.append(button(labels[step], STEP_BUTTONS[step], value, style="primary" if primary else None))
        if step is Step.ADD_ACTION and Status(nc.status) is Status.ACTIONS_PLANNED:
            open_actions = [a for a in record.actions if a.status == "open"]
            for action in open_actions[:MAX_DONE_BUTTONS]:
                # One action_id per button: Slack refuses an actions block whose elements share one.
                elements.append(shared.done_button(shared.of_nc(nc), action, style=None))
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
    text = f"Thanks: you raised *{nc.number}* · {sentence(_title(nc))} Owner: {mention(nc.owner)}, due {day_text(nc.due_date)}.{where}"
    return Reply(text)


# --- finding things -----------------------------------------------------------------------------


LIST_TITLES = {"mine": "Your open NCs and actions", "open": "Open NCs", "overdue": "Overdue NCs"}
LIST_EMPTY = {
    "mine": "You own no open NC and no open action.",
    "open": "No open NCs.",
    "overdue": "Nothing is overdue.",
}


def list_line(nc: Nonconformity, today: date) -> str:
    return f"*{ref(nc)}* · {safe(nc.title, 120)} · {Status(nc.status).label} · {mention(nc.owner)} · due {due_text(nc.due_date, today)}"


def nc_list(which: str, ncs: list[Nonconformity], today: date, limit: int, total: int | None = None) -> Reply:
    """The first `limit` of `ncs` (newest first); `total` counts them all when only a page was read."""
    title = LIST_TITLES[which]
    total = len(ncs) if total is None else total
    if not ncs:
        return Reply(f"{title}: none. {LIST_EMPTY[which]}")
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
    note = f" — {safe(event.note, 200)}" if event.note else ""
    return f"{moment(event.at, settings.zone)} {mention(event.actor)} {event.action.replace('_', ' ')}{note}"


def record_with_history(
    record: Record,
    events: list[AuditEvent],
    today: date,
    settings: Settings,
    *,
    show_copy: bool = False,
    reader_buttons: list[dict[str, Any]] | None = None,
    reader_may: frozenset[str] = frozenset(),
) -> Reply:
    """The card with its history, buttons last: a person can work the NC from here too.
    `reader_buttons`, for a reply to one person, replaces the card's steps with the ones they
    may press; of the card's other button rows (the output's, the recurrence question) only
    those whose block_id is in `reader_may` stay."""
    shown = card(record, today, settings, show_copy=show_copy)
    buttons = [b for b in shown.blocks if b.get("type") == "actions"]
    blocks = [b for b in shown.blocks if b.get("type") != "actions" and b.get("block_id") != WHO_PRESSES_BLOCK]
    if reader_buttons is not None:
        others = [b for b in buttons if b.get("block_id") != "nc_steps" and b.get("block_id") in reader_may]
        buttons = others + ([actions("nc_steps", reader_buttons)] if reader_buttons else [])
    blocks += [divider(), section("*History*\n" + capped_lines([history_line(e, settings) for e in events], 2900))]
    return Reply(shown.text, blocks + buttons)
