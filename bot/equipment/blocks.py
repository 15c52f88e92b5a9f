"""Block Kit for the equipment register: the forms, the calibration reminder, lists."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot import evidence
from bot.delivery.versions import drawn
from bot.equipment.forms import INTERVALS, PERFORMERS, RESULTS
from bot.registry import Action, Callback
from bot.surfaces.blocks import (
    Reply,
    actions,
    button,
    capped_lines,
    context,
    datepicker,
    header,
    input_block,
    modal,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.surfaces.mrkdwn import mention, safe
from storage.models import Calibration, EvidenceFile, MeasuringEquipment


def add_modal(today: date) -> dict[str, Any]:
    blocks = [
        input_block("tag", "Tag", text_input("value", max_length=40, placeholder="as printed on it, e.g. G-012")),
        input_block(
            "description",
            "Description",
            text_input("value", max_length=150, placeholder="e.g. Digital caliper 0-150 mm"),
        ),
        input_block("location", "Location", text_input("value", max_length=100, placeholder="e.g. Goods-in bench 2")),
        input_block("owner", "Owner", users_select("value"), hint="Is reminded when a calibration falls due."),
        input_block("interval_months", "Calibrate every", static_select("value", INTERVALS, initial="12")),
        input_block(
            "last_calibrated",
            "Last calibrated",
            datepicker("value", initial=today),
            hint="The next calibration falls due one interval later; leave empty if unknown (due now).",
            optional=True,
        ),
    ]
    return modal(Callback.EQUIPMENT_ADD, "Register equipment", blocks, submit="Register")


def _name(eq: MeasuringEquipment) -> str:
    return f"*{safe(eq.tag, 40)}* · {safe(eq.description, 150)} ({safe(eq.location, 100)})"


def status_text(eq: MeasuringEquipment, today: date, notice: int) -> str:
    """The status people read: quarantined, out of service, overdue, due, or in use."""
    if eq.status == "quarantined":
        return ":no_entry: *quarantined*"
    if eq.status == "out_of_service":
        return "out of service"
    days = (eq.next_due - today).days
    if days < 0:
        return f"*overdue* {-days} d"
    if days <= notice:
        return f"due in {days} d" if days else "due *today*"
    return f"in use, next {eq.next_due:%d %b %Y}"


def calibrate_button(eq: MeasuringEquipment) -> dict[str, Any]:
    return actions(
        "equipment_calibrate", [button("Record calibration", Action.EQUIPMENT_CALIBRATE, drawn(eq), style="primary")]
    )


def calibration_due(eq: MeasuringEquipment, stage: str, today: date) -> Reply:
    if stage == "today":
        when = "falls due *today*"
    elif stage.startswith("before-"):
        when = f"falls due on *{eq.next_due:%d %b %Y}*"
    else:
        when = f"was due on {eq.next_due:%d %b %Y} and is *{(today - eq.next_due).days} days overdue*"
    text = f":straight_ruler: The calibration of {_name(eq)} {when}."
    hint = "Results measured with equipment out of calibration may not be valid (7.1.5). Record the calibration when it is done."
    return Reply(text, [section(text), context(hint), calibrate_button(eq)])


def escalation(eq: MeasuringEquipment, today: date) -> Reply:
    text = (
        f":warning: The calibration of {_name(eq)} (owner {mention(eq.owner)}) is "
        f"{(today - eq.next_due).days} days overdue."
    )
    return Reply(text, [section(text), calibrate_button(eq)])


def calibrate_modal(eq: MeasuringEquipment, today: date, clicked: tuple[str, str] | None = None) -> dict[str, Any]:
    """The calibration form; `clicked` is the reminder it came from (redrawn once saved)."""
    blocks = [
        section(_name(eq)),
        input_block("calibrated_on", "Calibrated on", datepicker("value", initial=today)),
        input_block("performer", "Calibrated by", static_select("value", [(v, k) for k, v in PERFORMERS.items()])),
        input_block(
            "performed_by",
            "Who",
            text_input("value", max_length=150, placeholder="the person, or the laboratory's name"),
        ),
        input_block("result", "Result", static_select("value", [(v, k) for k, v in RESULTS.items()])),
        input_block(
            "certificate",
            "Certificate",
            text_input("value", max_length=1000, placeholder="its number, or a link"),
            optional=True,
        ),
        evidence.files_input("Certificate file", hint="The calibration certificate (up to 10 files, 10 MB each)."),
        input_block(
            "note",
            "Findings",
            text_input("value", multiline=True, max_length=3000, placeholder="as found, adjustments made"),
            hint="Required for a fail: an NC is opened to assess the results measured since the last good calibration.",
            optional=True,
        ),
    ]
    origin: dict[str, Any] = {"equipment": eq.id, "seen": eq.version}
    if clicked:
        origin["clicked"] = list(clicked)
    return modal(
        Callback.EQUIPMENT_CALIBRATE, "Record calibration", blocks, submit="Save", private_metadata=json.dumps(origin)
    )


def calibrated(eq: MeasuringEquipment, entry: Calibration, nc_number: str | None) -> str:
    result = RESULTS[entry.result].lower()
    if nc_number:
        return (
            f":no_entry: {safe(eq.tag, 40)} failed its calibration on {entry.calibrated_on:%d %b %Y} and is quarantined. "
            f"{nc_number} was opened to assess the results measured since its last good calibration."
        )
    return (
        f":white_check_mark: {safe(eq.tag, 40)} calibrated on {entry.calibrated_on:%d %b %Y} ({result}); "
        f"in use, next calibration *{eq.next_due:%d %b %Y}*."
    )


def register(items: list[MeasuringEquipment], today: date, notice: int, limit: int = 40) -> Reply:
    if not items:
        return Reply("The equipment register is empty. QMS managers add equipment with `/equipment add`.")
    text = f"Equipment register: {len(items)} shown"
    lines = [f"{status_text(e, today, notice)} · {_name(e)} · {mention(e.owner)}" for e in items]
    return Reply(
        text,
        [
            header("Equipment register"),
            section(capped_lines(lines, 2900, max_lines=limit)),
            context("Quarantined first, then by calibration date. `/equipment G-012` shows one with its calibrations."),
        ],
    )


def _calibration_line(c: Calibration, nc_numbers: dict[int, str]) -> str:
    who = f"{safe(c.performed_by, 150)}" + (" (lab)" if c.by_lab else "")
    cert = f" · cert {safe(c.certificate, 100)}" if c.certificate else ""
    nc = f" · {nc_numbers[c.nc_id]}" if c.nc_id and c.nc_id in nc_numbers else ""
    return f"{c.calibrated_on:%d %b %Y} {RESULTS[c.result].lower()} by {who}{cert}{nc}"


def equipment(
    eq: MeasuringEquipment,
    calibrations: list[Calibration],
    today: date,
    notice: int,
    *,
    may_calibrate: bool,
    nc_numbers: dict[int, str],
    files: list[EvidenceFile] | None = None,
) -> Reply:
    """One piece of equipment with its calibrations, their NCs and certificate files."""
    lines = [_calibration_line(c, nc_numbers) for c in reversed(calibrations)]
    last = f"{eq.last_calibrated:%d %b %Y}" if eq.last_calibrated else "not known"
    blocks = [
        header(f"{eq.tag}"),
        section(
            f"{safe(eq.description, 150)} · {safe(eq.location, 100)}",
            fields=[
                f"*Owner*\n{mention(eq.owner)}",
                f"*Status*\n{status_text(eq, today, notice)}",
                f"*Calibrated every*\n{eq.interval_months} months",
                f"*Last · next*\n{last} · {eq.next_due:%d %b %Y}",
            ],
        ),
        section("*Calibrations*\n" + (capped_lines(lines, 2800) if lines else "None recorded in the bot yet.")),
        *evidence.files_section(files or []),
    ]
    if may_calibrate:
        blocks.append(calibrate_button(eq))
    return Reply(f"{eq.tag}: {safe(eq.description, 150)}", blocks)
