"""What people type into the NC forms, and the checks it must pass before anything is stored.

Each check answers errors keyed by the modal's block_id (Slack's `response_action: errors`),
so the person sees every problem next to its field at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot import suppliers
from bot.nonconformity.lifecycle import ACTION_KINDS, ELSEWHERE, ROOT_CAUSE_METHODS, SOURCES
from bot.workspace.config import SEVERITIES
from bot.workspace.people_checks import assignee_error
from storage import risks as risk_store

if TYPE_CHECKING:
    from bot.context import Context
    from storage.models_suppliers import Supplier

TITLE_MAX = 150  # a header block holds 150 characters
TEXT_MAX = 3000  # a section holds 3000
SUPPLIER_MAX = 150
CLAUSE_MAX = 20
NUMBER = re.compile(r"^NC-(\d{4})-(\d{4,})$", re.IGNORECASE)
CLAUSE = re.compile(r"^(?:[4-9]|10)(?:\.\d{1,2}){0,3}$")  # ISO 9001's requirements are clauses 4-10


# --- raising -------------------------------------------------------------------------


@dataclass
class RaiseForm:
    """What the person typed into the "Raise nonconformity" modal, unchecked."""

    title: str | None = None
    description: str | None = None
    severity: str | None = None
    source: str | None = None
    process: str | None = None
    supplier: str | None = None  # a supplier not in the register, by name
    supplier_pick: str | None = None  # the register's picker: `supplier:<id>`
    iso_clause: str | None = None
    containment: str | None = None
    owner: str | None = None
    due_date: str | None = None
    risk: str | None = None  # the id of the risk this NC realised, from the optional select
    not_yet: list[str] | None = None  # "This has not happened yet": a risk, not an NC (handlers)


@dataclass
class Draft:
    """A checked form, ready to become a record."""

    title: str
    description: str
    severity: str
    source: str
    process: str
    supplier: str | None
    iso_clause: str | None
    containment: str | None
    owner: str | None
    due_date: date | None
    risk_id: int | None = None  # the risk it realised (storage: nonconformity.risk_id)
    supplier_id: int | None = None  # the registered supplier (its name is kept in `supplier` too)


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _text_error(value: str | None, what: str, limit: int, *, required: bool) -> str | None:
    if value is None:
        return f"Enter the {what}." if required else None
    if len(value) > limit:
        return f"Keep the {what} under {limit} characters (it has {len(value)})."
    return None


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    return date.fromisoformat(value)


def due_date_error(ctx: Context, raw: str | None) -> tuple[str | None, date | None]:
    try:
        due = parse_date(raw)
    except ValueError:
        return "Choose the due date from the calendar.", None
    if due is not None and due < ctx.today():
        return f"The due date cannot be in the past; today is {ctx.today():%d %b %Y}.", None
    return None, due


def check_raise(ctx: Context, form: RaiseForm) -> tuple[dict[str, str], Draft | None]:
    """Errors keyed by the modal's block_id (Slack's response_action: errors), or the draft."""
    title, description = _clean(form.title), _clean(form.description)
    supplier, clause, containment = _clean(form.supplier), _clean(form.iso_clause), _clean(form.containment)
    errors: dict[str, str] = {}
    for block, value, what, limit, required in (
        ("title", title, "title", TITLE_MAX, True),
        ("description", description, "description", TEXT_MAX, True),
        ("supplier", supplier, "supplier name", SUPPLIER_MAX, False),
        ("containment", containment, "containment", TEXT_MAX, False),
    ):
        problem = _text_error(value, what, limit, required=required)
        if problem:
            errors[block] = problem
    if form.severity not in SEVERITIES:
        errors["severity"] = "Choose how severe this is."
    if form.source not in SOURCES:
        errors["source"] = "Choose where this came from."
    if form.process not in ctx.settings.processes:
        errors["process"] = "Choose the process or area concerned."
    if form.supplier_pick and supplier is not None and "supplier" not in errors:
        errors["supplier"] = "Choose the supplier from the register or name one that is not in it, not both."
    registered = _registered(ctx, form.supplier_pick, supplier)
    if form.supplier_pick and registered is None:
        errors["supplier_pick"] = "That supplier is no longer in the register; choose another or name it below."
    if form.source == "supplier" and supplier is None and not form.supplier_pick and "supplier" not in errors:
        errors["supplier"] = (
            "Name the supplier: choose it from the register above, or type it here if it is not in the register."
        )
    if clause is not None and (len(clause) > CLAUSE_MAX or not CLAUSE.match(clause)):
        errors["iso_clause"] = "Give an ISO 9001 clause number such as 8.7 or 7.1.5, or leave it empty."
    owner_problem = assignee_error(ctx, form.owner)
    if owner_problem:
        errors["owner"] = owner_problem
    due_problem, due = due_date_error(ctx, form.due_date)
    if due_problem:
        errors["due_date"] = due_problem
    risk_problem, risk_id = _risk_error(ctx, form.risk)
    if risk_problem:
        errors["risk"] = risk_problem
    if errors:
        return errors, None
    assert title and description and form.severity and form.source and form.process
    if registered is not None:
        supplier = registered.name
    return {}, Draft(
        title,
        description,
        form.severity,
        form.source,
        form.process,
        supplier,
        clause,
        containment,
        form.owner,
        due,
        risk_id=risk_id,
        supplier_id=registered.id if registered else None,
    )


def _risk_error(ctx: Context, raw: str | None) -> tuple[str | None, int | None]:
    """The related risk, when one was chosen: it must still be open in the register."""
    if not raw:
        return None, None
    found = None
    if raw.isdigit() and len(raw) < 10:
        with ctx.db.read() as session:
            found = risk_store.get(session, int(raw))
    if found is None or found.status not in risk_store.ACTIVE:
        return "Choose an open risk from the list, or leave it empty.", None
    return None, found.id


def _registered(ctx: Context, picked: str | None, typed: str | None) -> Supplier | None:
    """The register's supplier the NC names: the one picked, else the one whose name was typed."""
    if not picked and not typed:
        return None  # most NCs name no supplier: no look-up before the ack
    with ctx.db.read() as session:
        return suppliers.picked(session, picked, typed)


# --- actions -------------------------------------------------------------------------------


@dataclass
class ActionForm:
    kind: str | None = None
    description: str | None = None
    owner: str | None = None
    due_date: str | None = None


def check_action(
    ctx: Context, form: ActionForm
) -> tuple[dict[str, str], tuple[str, str, str | None, date | None] | None]:
    errors: dict[str, str] = {}
    description = _clean(form.description)
    if form.kind not in ACTION_KINDS:
        errors["kind"] = "Choose corrective (removes the cause) or preventive (stops it elsewhere)."
    problem = _text_error(description, "action", TEXT_MAX, required=True)
    if problem:
        errors["description"] = problem
    owner_problem = assignee_error(ctx, form.owner)
    if owner_problem:
        errors["owner"] = owner_problem
    due_problem, due = due_date_error(ctx, form.due_date)
    if due_problem:
        errors["due_date"] = due_problem
    if errors:
        return errors, None
    assert form.kind and description
    return {}, (form.kind, description, form.owner, due)


# --- checking the step forms ---------------------------------------------------------------


def required_text(value: str | None, block: str, what: str, limit: int = TEXT_MAX) -> tuple[dict[str, str], str]:
    text = _clean(value)
    problem = _text_error(text, what, limit, required=True)
    return ({block: problem} if problem else {}), text or ""


def check_root_cause(method: str | None, cause: str | None, elsewhere: str | None, note: str | None) -> dict[str, str]:
    errors, _ = required_text(cause, "cause", "root cause")
    if method not in ROOT_CAUSE_METHODS:
        errors["method"] = "Choose the method you used."
    if elsewhere not in ELSEWHERE:
        errors["elsewhere"] = "Say whether this could occur elsewhere."
    note = _clean(note)
    if elsewhere == "yes" and note is None:
        errors["elsewhere_note"] = "Say where else it could occur, so a preventive action can cover it."
    elif note and len(note) > 1000:
        errors["elsewhere_note"] = "Keep this under 1000 characters."
    return errors


def check_verification(result: str | None, note: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if result not in ("effective", "not_effective"):
        errors["result"] = "Choose effective or not effective."
    note = _clean(note)
    if result == "not_effective" and note is None:
        errors["note"] = "Say what showed the actions did not work: the root cause analysis starts again from it."
    elif note and len(note) > TEXT_MAX:
        errors["note"] = f"Keep the note under {TEXT_MAX} characters."
    return errors
