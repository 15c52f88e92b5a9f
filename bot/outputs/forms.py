"""What people type about nonconforming output, and its checks: the affected output, a
disposition decision, and the re-verification after rework or repair."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

ITEM_MAX, UNIT_MAX, LOTS_MAX, HELD_MAX, REF_MAX, TEXT_MAX = 150, 20, 500, 150, 100, 3000
KINDS = {
    "concession": "Use as is under concession",
    "rework": "Rework",
    "repair": "Repair",
    "regrade": "Regrade",
    "scrap": "Scrap",
    "return_to_supplier": "Return to supplier",
    "recall": "Recall or withdraw",
}
# Corrected output is released only once verified to conform again (ISO 9001 8.7.1).
NEEDS_REVERIFY = frozenset({"rework", "repair"})
RESULTS = {"conforming": "Conforms", "nonconforming": "Still nonconforming"}
# Quantities are compared to the thousandth, so 0.1 + 0.2 kg decides 0.3 kg.
PLACES = 3


def amount(value: float) -> float:
    return round(value, PLACES)


def said(value: float) -> str:
    """240.0 → "240", 12.5 → "12.5"."""
    return f"{amount(value):g}"


def _text(value: Any) -> str | None:
    return (str(value).strip() or None) if value is not None else None


def _number(value: Any, name: str, errors: dict[str, str], *, positive: bool = True) -> float | None:
    text = _text(value)
    if text is None:
        return None
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        errors[name] = "Give a number, e.g. 240 or 12.5."
        return None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        errors[name] = "Give a number above 0." if positive else "Give a number, 0 or more."
        return None
    return amount(number)


@dataclass(frozen=True)
class OutputDraft:
    item: str
    quantity: float
    unit: str
    lots: str | None
    held_at: str | None
    unit_cost: float | None


def check_output(values: dict[str, Any], decided: float = 0.0) -> tuple[dict[str, str], OutputDraft | None]:
    """The affected output form; `decided` is how much is already decided (the quantity cannot go below it)."""
    errors: dict[str, str] = {}
    item, unit = _text(values.get("item")), _text(values.get("unit")) or "pcs"
    if item is None:
        errors["item"] = "Say what is affected: the part, product or service."
    quantity = _number(values.get("quantity"), "quantity", errors)
    if quantity is None and "quantity" not in errors:
        errors["quantity"] = "Say how much is affected."
    if quantity is not None and quantity < amount(decided):
        errors["quantity"] = f"{said(decided)} {unit} are already decided; the quantity cannot be less."
    cost = _number(values.get("unit_cost"), "unit_cost", errors, positive=False)
    if errors or item is None or quantity is None:
        return errors, None
    return errors, OutputDraft(
        item[:ITEM_MAX],
        quantity,
        unit[:UNIT_MAX],
        _cut(values.get("lots"), LOTS_MAX),
        _cut(values.get("held_at"), HELD_MAX),
        cost,
    )


def _cut(value: Any, limit: int) -> str | None:
    text = _text(value)
    return text[:limit] if text else None


@dataclass(frozen=True)
class DecisionDraft:
    kind: str
    quantity: float
    reason: str
    concession_ref: str | None


def check_decision(values: dict[str, Any], undecided: float, unit: str) -> tuple[dict[str, str], DecisionDraft | None]:
    """A disposition: its kind, a quantity within what is still undecided, a reason, and a
    concession's authorisation reference (a customer's or an internal one)."""
    errors: dict[str, str] = {}
    kind = _text(values.get("kind"))
    if kind not in KINDS:
        errors["kind"] = "Choose what is done with it."
    quantity = _number(values.get("quantity"), "quantity", errors)
    if quantity is None and "quantity" not in errors:
        errors["quantity"] = "Say how much this decision covers."
    elif quantity is not None and quantity > amount(undecided):
        errors["quantity"] = f"Only {said(undecided)} {unit} are still undecided."
    reason = _text(values.get("reason"))
    if reason is None:
        errors["reason"] = "Say why: what makes this the right decision."
    reference = _cut(values.get("concession_ref"), REF_MAX)
    if kind == "concession" and reference is None:
        errors["concession_ref"] = "A concession needs its authorisation reference (the customer's or internal)."
    if errors or kind is None or quantity is None or reason is None:
        return errors, None
    return errors, DecisionDraft(kind, quantity, reason[:TEXT_MAX], reference)


def check_reverify(values: dict[str, Any]) -> tuple[dict[str, str], tuple[str, str | None] | None]:
    result, note = _text(values.get("result")), _cut(values.get("note"), TEXT_MAX)
    if result not in RESULTS:
        return {"result": "Say whether the corrected output conforms."}, None
    if result == "nonconforming" and note is None:
        return {"note": "Say what still does not conform."}, None
    return {}, (result, note)


@dataclass(frozen=True)
class Holding:
    """Where the affected output stands: how much is undecided, awaiting authorisation,
    awaiting re-verification, and so still on hold; the rest is released or gone."""

    affected: float
    undecided: float
    awaiting_authorisation: float
    awaiting_reverification: float

    @property
    def on_hold(self) -> float:
        return amount(self.undecided + self.awaiting_authorisation + self.awaiting_reverification)

    @property
    def decided(self) -> float:
        return amount(self.affected - self.undecided)


def counts(decision: Any) -> bool:
    """Whether a decision takes its quantity out of the undecided: not when rejected, nor when
    corrected output was found still nonconforming (it needs a decision again)."""
    return decision.status != "rejected" and decision.reverify_result != "nonconforming"


def holding(affected: float, decisions: list[Any]) -> Holding:
    live = [d for d in decisions if counts(d)]
    pending = sum(d.quantity for d in live if d.status == "pending")
    unverified = sum(
        d.quantity for d in live if d.status == "approved" and d.kind in NEEDS_REVERIFY and d.reverify_result is None
    )
    return Holding(affected, amount(affected - sum(d.quantity for d in live)), amount(pending), amount(unverified))
