"""Block Kit for nonconforming output: its part of the NC card, the forms, the request to an
approver and the notes to the NC owner. Pure functions; every piece of user text goes through
`safe`."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from bot.delivery.versions import drawn
from bot.evidence import files_input
from bot.outputs.forms import KINDS, NEEDS_REVERIFY, RESULTS, TEXT_MAX, Holding, said
from bot.registry import Action, Callback, item_action_id
from bot.surfaces.blocks import (
    Reply,
    actions,
    button,
    capped_lines,
    confirm_dialog,
    context,
    input_block,
    modal,
    section,
    static_select,
    text_input,
)
from bot.surfaces.mrkdwn import mention, safe
from bot.surfaces.words import plural
from storage.models import AffectedOutput, Disposition, Nonconformity

OUTPUT_BLOCK = "nc_output"
MAX_REVERIFY_BUTTONS = 5


def output_line(output: AffectedOutput) -> str:
    parts = [f"*{said(output.quantity)} {safe(output.unit, 20)}* of {safe(output.item, 150)}"]
    if output.lots:
        parts.append(f"lot/batch/serial {safe(output.lots, 300)}")
    if output.held_at:
        parts.append(f"held at {safe(output.held_at, 150)}")
    if output.unit_cost is not None:
        parts.append(f"cost {output.unit_cost:g} per {safe(output.unit, 20)}")
    return " · ".join(parts)


def decision_line(d: Disposition, unit: str, zone: tzinfo) -> str:
    line = f"*D{d.seq}* {KINDS[d.kind]} · {said(d.quantity)} {safe(unit, 20)} · {safe(d.reason, 300)}"
    if d.concession_ref:
        line += f" · concession {safe(d.concession_ref, 100)}"
    line += f" · by {mention(d.decided_by)}"
    if d.status == "pending":
        return f":hourglass: {line} · *awaiting authorisation*"
    when = f" on {d.authorised_at.astimezone(zone):%d %b %Y %H:%M}" if d.authorised_at else ""
    if d.status == "rejected":
        why = f": {safe(d.authorisation_note, 300)}" if d.authorisation_note else ""
        return f":x: {line} · rejected by {mention(d.authorised_by or '')}{when}{why}"
    line += f" · authorised by {mention(d.authorised_by or '')}{when}"
    if d.kind in NEEDS_REVERIFY:
        if d.reverify_result is None:
            return f":mag: {line} · *awaiting re-verification*"
        at = f" on {d.reverified_at.astimezone(zone):%d %b}" if d.reverified_at else ""
        line += f" · re-verified: {RESULTS[d.reverify_result].lower()} ({mention(d.reverified_by or '')}{at})"
    return f":white_check_mark: {line}"


def hold_said(h: Holding, unit: str) -> str:
    """ "40 pcs still on hold: 40 awaiting authorisation"."""
    parts = [
        (h.undecided, "undecided"),
        (h.awaiting_authorisation, "awaiting authorisation"),
        (h.awaiting_reverification, "reworked or repaired, awaiting re-verification"),
    ]
    why = ", ".join(f"{said(n)} {what}" for n, what in parts if n > 0)
    return f"{said(h.on_hold)} {safe(unit, 20)} still on hold: {why}"


def card_blocks(
    nc: Nonconformity, output: AffectedOutput | None, decisions: list[Disposition], h: Holding | None, zone: tzinfo
) -> list[dict[str, Any]]:
    """The affected output on the NC card, its decisions, what is on hold, and its buttons."""
    blocks: list[dict[str, Any]] = []
    if output is not None and h is not None:
        lines = [output_line(output), *(decision_line(d, output.unit, zone) for d in decisions)]
        blocks.append(section("*Affected output*\n" + capped_lines(lines, 2900)))
        if h.on_hold > 0:
            blocks.append(context(f":no_entry: {hold_said(h, output.unit)}"))
        else:
            blocks.append(
                context(":white_check_mark: Nothing on hold: every unit is decided, authorised and re-verified.")
            )
    if nc.status in ("closed", "cancelled"):
        return blocks
    buttons = [button("Affected output", Action.OUT_RECORD, str(nc.id))]
    if output is not None and h is not None and h.undecided > 0:
        buttons.append(button("Record disposition", Action.OUT_DECIDE, str(nc.id)))
    for d in [d for d in decisions if needs_reverify(d)][:MAX_REVERIFY_BUTTONS]:
        buttons.append(button(f"Re-verify D{d.seq}", item_action_id(Action.OUT_REVERIFY, d.id), drawn(d)))
    blocks.append(actions(OUTPUT_BLOCK, buttons))
    return blocks


def needs_reverify(d: Disposition) -> bool:
    return d.status == "approved" and d.kind in NEEDS_REVERIFY and d.reverify_result is None


# --- the forms ---------------------------------------------------------------------------------


def output_modal(nc: Nonconformity, output: AffectedOutput | None) -> dict[str, Any]:
    o = output
    blocks = [
        section(f"*{nc.number}* · {safe(nc.title, 200)}"),
        input_block(
            "item",
            "What is affected",
            text_input(
                "value",
                max_length=150,
                initial=o.item if o else None,
                placeholder="Part, product or service, e.g. Housing H-12",
            ),
        ),
        input_block(
            "quantity", "Quantity", text_input("value", max_length=20, initial=said(o.quantity) if o else None)
        ),
        input_block("unit", "Unit", text_input("value", max_length=20, initial=o.unit if o else "pcs"), optional=True),
        input_block(
            "lots",
            "Lot, batch or serial numbers",
            text_input("value", max_length=500, initial=o.lots if o else None),
            optional=True,
        ),
        input_block(
            "held_at",
            "Where it is held",
            text_input("value", max_length=150, initial=o.held_at if o else None, placeholder="e.g. Quarantine bay 3"),
            optional=True,
        ),
        input_block(
            "unit_cost",
            "Cost per unit",
            text_input("value", max_length=20, initial=f"{o.unit_cost:g}" if o and o.unit_cost is not None else None),
            optional=True,
            hint="For the cost of poor quality: scrapped and reworked quantities times this.",
        ),
    ]
    metadata = f"{nc.id}@{o.version}" if o else str(nc.id)
    return modal(Callback.OUT_RECORD, "Affected output", blocks, submit="Save", private_metadata=metadata)


def decision_modal(nc: Nonconformity, output: AffectedOutput, h: Holding) -> dict[str, Any]:
    blocks = [
        section(f"*{nc.number}* · {output_line(output)}\n{hold_said(h, output.unit)}"),
        input_block("kind", "Decision", static_select("value", [(label, key) for key, label in KINDS.items()])),
        input_block(
            "quantity",
            f"Quantity ({safe(output.unit, 20)})",
            text_input("value", max_length=20, initial=said(h.undecided)),
        ),
        input_block("reason", "Reason", text_input("value", multiline=True, max_length=3000)),
        input_block(
            "concession_ref",
            "Concession authorisation reference",
            text_input("value", max_length=100, placeholder="e.g. C-2026-14"),
            optional=True,
            hint="Required for use as is under concession: the customer's or internal reference.",
        ),
        files_input(hint="A signed concession, photos of the parts, a return note: up to 10 files, 10 MB each."),
        context(
            "An approver who did not record it authorises the decision; rework and repair are re-verified before release."
        ),
    ]
    return modal(Callback.OUT_DECIDE, "Disposition", blocks, submit="Record", private_metadata=str(nc.id))


def reverify_modal(nc: Nonconformity, d: Disposition, unit: str, zone: tzinfo) -> dict[str, Any]:
    blocks = [
        section(f"*{nc.number}*\n{decision_line(d, unit, zone)}"),
        input_block("result", "Result", static_select("value", [(label, key) for key, label in RESULTS.items()])),
        input_block(
            "note",
            "How it was verified",
            text_input("value", multiline=True, max_length=3000, placeholder="Inspection, test, record number…"),
            optional=True,
        ),
        files_input(hint="The inspection or test record, photos: up to 10 files, 10 MB each."),
    ]
    return modal(Callback.OUT_REVERIFY, "Re-verification", blocks, submit="Save", private_metadata=drawn(d))


# --- messages to one person ------------------------------------------------------------------


def authorise_buttons(d: Disposition, unit: str, block_id: str = "disposition_authorise") -> dict[str, Any]:
    """Authorise / Reject for one decision, as on the approver's DM (the Home tab lists several:
    each gets a block_id of its own)."""
    approve = confirm_dialog(
        "Authorise?", f"Authorise D{d.seq}: {KINDS[d.kind]} of {said(d.quantity)} {safe(unit, 20)}?", "Authorise"
    )
    return actions(
        block_id,
        [
            button("Authorise", Action.OUT_APPROVE, drawn(d), style="primary", confirm=approve),
            button("Reject", Action.OUT_REJECT, drawn(d), style="danger"),  # its form asks why
        ],
    )


def _asking(text: str, nc: Nonconformity, output: AffectedOutput, d: Disposition, zone: tzinfo, buttons: bool) -> Reply:
    shown = [section(text), section(f"{output_line(output)}\n{decision_line(d, output.unit, zone)}")]
    return Reply(text, [*shown, authorise_buttons(d, output.unit)] if buttons else shown)


def authorisation_request(nc: Nonconformity, output: AffectedOutput, d: Disposition, zone: tzinfo) -> Reply:
    text = (
        f":scales: {mention(d.decided_by)} asks you to authorise a disposition on *{nc.number}* · {safe(nc.title, 200)}"
    )
    return _asking(text, nc, output, d, zone, buttons=True)


def _waiting(days: int) -> str:
    return "since today" if days <= 0 else f"for {plural(days, 'day')}"


def authorisation_reminder(nc: Nonconformity, output: AffectedOutput, d: Disposition, zone: tzinfo, days: int) -> Reply:
    text = (
        f":alarm_clock: *D{d.seq}* on *{nc.number}* · {safe(nc.title, 200)} has awaited your authorisation "
        f"{_waiting(days)}; its output stays on hold until it is authorised or rejected."
    )
    return _asking(text, nc, output, d, zone, buttons=True)


def authorisation_escalation(
    nc: Nonconformity, output: AffectedOutput, d: Disposition, zone: tzinfo, days: int, buttons: bool
) -> Reply:
    asked = ", ".join(mention(a) for a in d.asked or []) or "nobody"
    text = (
        f":rotating_light: *D{d.seq}* on *{nc.number}* · {safe(nc.title, 200)} has awaited authorisation "
        f"{_waiting(days)} (asked: {asked}); {said(d.quantity)} {safe(output.unit, 20)} stay on hold."
    )
    if not buttons:
        text += " Ask an approver to decide, or name more in QMS_DISPOSITION_APPROVERS."
    return _asking(text, nc, output, d, zone, buttons)


def nobody_to_authorise(nc: Nonconformity, d: Disposition, to_recorder: bool) -> Reply:
    """Said when the recorder is the only approver: the decision would wait on nobody."""
    who = "you are" if to_recorder else f"{mention(d.decided_by)} is"
    text = (
        f":warning: Nobody can authorise *D{d.seq}* on *{nc.number}* · {safe(nc.title, 200)}: {who} its only "
        "disposition approver, and nobody authorises a decision they recorded (ISO 9001 8.7.2). "
        "A QMS manager adds another approver to QMS_DISPOSITION_APPROVERS; the decision waits until then."
    )
    return Reply(text)


def reject_modal(nc: Nonconformity, d: Disposition, unit: str, zone: tzinfo, metadata: str) -> dict[str, Any]:
    blocks = [
        section(f"*{nc.number}* · {safe(nc.title, 200)}\n{decision_line(d, unit, zone)}"),
        input_block(
            "note",
            "Why it is rejected",
            text_input("value", multiline=True, max_length=TEXT_MAX, placeholder="e.g. Rework cannot restore the seal"),
            hint="The recorder reads it; the quantity goes back on hold, undecided, for another decision.",
        ),
    ]
    return modal(Callback.OUT_REJECT, f"Reject D{d.seq}", blocks, submit="Reject", private_metadata=metadata)


def decision_told(nc: Nonconformity, d: Disposition, unit: str) -> Reply:
    verb = "authorised" if d.status == "approved" else "rejected"
    then = ""
    if d.status == "approved" and d.kind in NEEDS_REVERIFY:
        then = " Re-verify the corrected output before it is released."
    elif d.status == "rejected":
        why = f" Why: {safe(d.authorisation_note, 1000)}" if d.authorisation_note else ""
        then = f"{why} Its quantity is undecided again: record another disposition."
    text = (
        f"{':white_check_mark:' if verb == 'authorised' else ':x:'} {mention(d.authorised_by or '')} {verb} "
        f"*D{d.seq}* {KINDS[d.kind]} of {said(d.quantity)} {safe(unit, 20)} on *{nc.number}* · {safe(nc.title, 200)}.{then}"
    )
    # What it asks for, it offers (the press is checked on the server as on the card).
    if d.status == "approved" and d.kind in NEEDS_REVERIFY:
        step = button(f"Re-verify D{d.seq}", item_action_id(Action.OUT_REVERIFY, d.id), drawn(d))
    elif d.status == "rejected":
        step = button("Record disposition", Action.OUT_DECIDE, str(nc.id))
    else:
        return Reply(text)
    return Reply(text, [section(text), actions("disposition_next", [step])])


def after_authorising(nc: Nonconformity, d: Disposition, unit: str) -> Reply:
    verb = "authorised" if d.status == "approved" else "rejected"
    return Reply(f"You {verb} *D{d.seq}* {KINDS[d.kind]} of {said(d.quantity)} {safe(unit, 20)} on *{nc.number}*.")
