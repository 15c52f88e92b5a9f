"""The register's forms and their checks: adding a supplier, evaluating one, changing its status.

Each check answers errors keyed by the modal's block_id, so the person sees every problem
next to its field at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.delivery.due import parse_day
from bot.errors import Broken
from bot.workspace.people_checks import assignee_error
from storage import suppliers as store
from storage.models_suppliers import SUPPLIER_STATUSES, Supplier

if TYPE_CHECKING:
    from bot.context import Context

NAME_MAX = 150
SUPPLIES_MAX = 300
TEXT_MAX = 2000
SCORES = range(1, 6)
STATUS_LABELS = {"approved": "Approved", "conditional": "Conditional", "blocked": "Blocked"}
DECISION_LABELS = {"approved": "Keep (approved)", "conditional": "Conditional", "blocked": "Block"}
# `/supplier SUP-0007`: the reference the bot gives each supplier (its id).
REFERENCE = re.compile(r"^SUP-([0-9]{1,9})$", re.IGNORECASE)
_DIGITS = re.compile("[0-9]{1,10}")


def _clean(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _text_error(value: str, what: str, limit: int, *, required: bool) -> str | None:
    if not value:
        return f"Enter {what}." if required else None
    if len(value) > limit:
        return f"Keep {what} under {limit} characters (it has {len(value)})."
    return None


def _reason_error(status: str | None, reason: str) -> str | None:
    """A conditional or blocked status says why; the reason is kept with the record."""
    if status in ("conditional", "blocked") and not reason:
        what = "on which conditions it stays" if status == "conditional" else "why it is blocked"
        return f"Say {what}: the reason is kept with the supplier and shown wherever its status is."
    return _text_error(reason, "the reason", TEXT_MAX, required=False)


@dataclass
class Registration:
    name: str
    supplies: str
    criteria: str
    owner: str
    status: str
    reason: str | None
    next_evaluation: date


def check_add(ctx: Context, values: dict[str, Any]) -> tuple[dict[str, str], Registration | None]:
    name = " ".join(_clean(values.get("name")).split())
    supplies, criteria, reason = (_clean(values.get(k)) for k in ("supplies", "criteria", "reason"))
    errors: dict[str, str] = {}
    for block, value, what, limit in (
        ("name", name, "the supplier's name", NAME_MAX),
        ("supplies", supplies, "what they supply", SUPPLIES_MAX),
        ("criteria", criteria, "the criteria they are evaluated against", TEXT_MAX),
    ):
        problem = _text_error(value, what, limit, required=True)
        if problem:
            errors[block] = problem
    owner = values.get("owner")
    problem = assignee_error(ctx, owner) if owner else "Choose who owns the supplier: they evaluate it."
    if problem:
        errors["owner"] = problem
    status = values.get("status")
    if status not in SUPPLIER_STATUSES:
        errors["status"] = "Choose the supplier's status: approved, conditional or blocked."
    reason_problem = _reason_error(status, reason)
    if reason_problem:
        errors["reason"] = reason_problem
    due = parse_day(values.get("next_evaluation"))
    if due is None:
        errors["next_evaluation"] = "Choose the date of the next evaluation from the calendar."
    elif due < ctx.today():
        errors["next_evaluation"] = f"The next evaluation cannot be in the past; today is {ctx.today():%d %b %Y}."
    if name and "name" not in errors:
        with ctx.db.session() as session:
            if store.by_name(session, name):
                errors["name"] = f"{name} is already in the register; `/supplier {name}` shows it."
    if errors:
        return errors, None
    assert isinstance(owner, str) and isinstance(status, str) and due is not None
    return {}, Registration(name, supplies, criteria, owner, status, reason or None, due)


@dataclass
class Evaluation:
    score: int
    decision: str
    reason: str | None


def check_evaluation(
    values: dict[str, Any], supplier: Supplier, *, manager: bool
) -> tuple[dict[str, str], Evaluation | None]:
    """The owner's score (1 to 5) and the decision; only a QMS manager changes the status."""
    errors: dict[str, str] = {}
    raw = values.get("score")
    score = int(raw) if isinstance(raw, str) and re.fullmatch("[1-5]", raw) else 0
    if score not in SCORES:
        errors["score"] = "Choose a score from 1 (poor) to 5 (excellent) against the supplier's criteria."
    decision = values.get("decision")
    reason = _clean(values.get("reason"))
    if decision not in SUPPLIER_STATUSES:
        errors["decision"] = "Choose the decision: keep, conditional or block."
    elif decision != supplier.status and not manager:
        errors["decision"] = (
            f"Only a QMS manager can change the status (now {STATUS_LABELS[supplier.status].lower()}): "
            "keep it, and write what you recommend in the reason; a QMS manager decides."
        )
    reason_problem = _reason_error(decision if isinstance(decision, str) else None, reason)
    if reason_problem:
        errors["reason"] = reason_problem
    if errors:
        return errors, None
    assert isinstance(decision, str)
    return {}, Evaluation(score, decision, reason or None)


def check_status(values: dict[str, Any], supplier: Supplier) -> tuple[dict[str, str], tuple[str, str | None] | None]:
    """A QMS manager's status change outside an evaluation: the new status and why."""
    status, reason = values.get("status"), _clean(values.get("reason"))
    errors: dict[str, str] = {}
    if status not in SUPPLIER_STATUSES:
        errors["status"] = "Choose the new status: approved, conditional or blocked."
    elif status == supplier.status:
        errors["status"] = f"{supplier.name} is already {STATUS_LABELS[status].lower()}; choose another status."
    problem = _reason_error(status if isinstance(status, str) else None, reason)
    if problem is None and not reason:
        problem = "Say why the status changes: the reason is kept on the trail."
    if problem:
        errors["reason"] = problem
    if errors:
        return errors, None
    assert isinstance(status, str)
    return {}, (status, reason or None)


def parse_seen(value: str) -> tuple[int, int]:
    """A button's value or a form's metadata: `supplier id@version seen` (Broken when it is not)."""
    raw_id, _, raw_seen = value.partition("@")
    if not (_DIGITS.fullmatch(raw_id) and _DIGITS.fullmatch(raw_seen)):
        raise Broken(f"{value!r} names no supplier")
    supplier_id, seen = int(raw_id), int(raw_seen)
    if not (1 <= supplier_id <= 2**31 - 1 and 1 <= seen <= 2**31 - 1):
        raise Broken("no supplier has this id")
    return supplier_id, seen


@dataclass(frozen=True)
class Scorecard:
    """What the records say about a supplier since its last evaluation (or its registration)."""

    since: date
    until: date
    figures: store.Figures
