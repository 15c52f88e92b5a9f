"""Block Kit for the NC forms: raising one, and the modal of each step on its card. Pure functions.

Apart from the card, the lists and the nudges (blocks.py) because together they would pass
400 lines. Every piece of user text goes through `safe`, as in blocks.py.
"""

from __future__ import annotations

import json
from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any

from bot import evidence, suppliers
from bot.delivery.versions import drawn
from bot.nonconformity import actions as shared
from bot.nonconformity.blocks import action_line
from bot.nonconformity.lifecycle import ELSEWHERE, ROOT_CAUSE_METHODS, SEVERITY_LABELS, SOURCES
from bot.registry import Callback
from bot.surfaces.blocks import (
    capped_lines,
    checkboxes,
    context,
    datepicker,
    input_block,
    modal,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.surfaces.mrkdwn import safe
from bot.workspace.captures import private_note
from bot.workspace.config import SEVERITIES, Settings
from storage.models import CorrectiveAction

if TYPE_CHECKING:
    from bot.nonconformity.forms import RaiseForm
    from bot.nonconformity.record import Record


def raise_modal(
    settings: Settings,
    form: RaiseForm,
    *,
    capture_id: int | None = None,
    complaint_id: int | None = None,
    audit_line: int | None = None,
    checklist_at: tuple[str, str] | None = None,
    private_origin: bool = False,
    line_seen: int | None = None,
    risks: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The form; the IDs ride in its metadata: the message copied, the complaint, or the audit's
    checklist line it comes from (its version the checklist showed, and where that checklist
    is shown, to redraw it). A form raised from a message in a private conversation says why
    it is not filled from it."""
    note = [context(private_note("NC"))] if private_origin else []
    blocks = note + _what_happened(settings, form) + _where_and_who(settings, form) + _risk_blocks(form, risks)
    given = (("capture", capture_id), ("complaint", complaint_id), ("audit_line", audit_line), ("line_seen", line_seen))
    origin: dict[str, Any] = {k: v for k, v in given if v}
    if checklist_at:
        origin["clicked"] = list(checklist_at)
    metadata = json.dumps(origin) if origin else ""
    return modal(Callback.NC_RAISE, "Raise nonconformity", blocks, submit="Raise", private_metadata=metadata)


def _what_happened(settings: Settings, form: RaiseForm) -> list[dict[str, Any]]:
    """The raise form's first inputs: title, what happened, severity, source, process."""
    return [
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
    ]


def _where_and_who(settings: Settings, form: RaiseForm) -> list[dict[str, Any]]:
    """The rest: supplier, clause, containment already taken, owner and due date (all optional)."""
    days = ", ".join(f"{s} {settings.due_days[s]} d" for s in SEVERITIES)
    return [
        input_block(
            "supplier_pick",
            "Supplier",
            suppliers.picker(),
            optional=True,
            hint="From the supplier register (`/supplier list`); required when the source is a supplier.",
        ),
        input_block(
            "supplier",
            "Supplier not in the register",
            text_input("value", max_length=150, initial=form.supplier),
            optional=True,
            hint="Its name, when it is not in the register.",
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


NOT_YET = "yes"


def _risk_blocks(form: RaiseForm, risks: list[tuple[str, str]] | None) -> list[dict[str, Any]]:
    """The risk register's two: the risk this NC realised, and "this has not happened yet"
    (the form then becomes the risk form: handlers.nonconformity). None: neither is offered."""
    if risks is None:
        return []
    found = []
    if risks:
        found.append(
            input_block(
                "risk",
                "Related risk",
                static_select("value", risks, initial=form.risk, placeholder="The risk this realised"),
                optional=True,
                hint="A risk in the register that this NC realised: its next review reconsiders the likelihood.",
            )
        )
    found.append(
        input_block(
            "not_yet",
            "Not a nonconformity yet?",
            checkboxes("value", [("This has not happened yet: raise it as a risk", NOT_YET)]),
            optional=True,
        )
    )
    return found


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
        evidence.files_input(hint="A photo of the quarantined stock, a hold tag… (up to 10 files, 10 MB each)"),
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
    about = f"*{nc.number}* · {safe(nc.title, 200)}"
    return shared.action_modal(Callback.NC_ACTION, about, nc.owner, max(nc.due_date, today), str(nc.id))


def done_modal(record: Record, action: CorrectiveAction) -> dict[str, Any]:
    nc = record.nc
    about = f"*{nc.number}* · {safe(nc.title, 200)}"
    return shared.done_modal(Callback.NC_ACTION_DONE, about, action, f"{nc.id}:{action.id}")


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
        evidence.files_input(hint="The data, audit record or samples you checked (up to 10 files, 10 MB each)"),
    ]
    # The version the manager saw: if actions change meanwhile, the verification is refused.
    return modal(Callback.NC_VERIFY, "Verify effectiveness", blocks, submit="Save", private_metadata=drawn(nc))


def cancel_modal(record: Record) -> dict[str, Any]:
    nc = record.nc
    blocks = [
        _about(record),
        input_block("reason", "Why is this not a nonconformity?", text_input("value", multiline=True, max_length=3000)),
    ]
    return modal(Callback.NC_CANCEL, "Cancel NC", blocks, submit="Cancel NC", close="Back", private_metadata=str(nc.id))
