"""What logged feedback must be: the form's answers and their checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.feedback import blocks
from bot.workspace.people_checks import assignee_error

if TYPE_CHECKING:
    from bot.context import Context

KINDS, RECEIVED_VIA = blocks.KINDS, blocks.RECEIVED_VIA
CUSTOMER_MAX, PRODUCT_MAX, TEXT_MAX = 150, 150, 3000


@dataclass
class FeedbackForm:
    kind: str | None = None
    customer: str | None = None
    product: str | None = None
    received_via: str | None = None
    rating: str | None = None
    text: str | None = None
    received_on: str | None = None
    owner: str | None = None


@dataclass
class Entry:
    kind: str
    customer: str
    product: str | None
    received_via: str
    rating: int | None
    text: str
    received_on: date
    owner: str | None


def check(ctx: Context, form: FeedbackForm) -> tuple[dict[str, str], Entry | None]:
    """Errors keyed by the modal's block_id, or the entry to log."""
    errors: dict[str, str] = {}
    customer, product, text = ((v or "").strip() or None for v in (form.customer, form.product, form.text))
    if form.kind not in KINDS:
        errors["kind"] = "Choose what kind of feedback this is."
    for block, value, what, limit, required in (
        ("customer", customer, "customer", CUSTOMER_MAX, True),
        ("product", product, "product or service", PRODUCT_MAX, False),
        ("text", text, "customer's words", TEXT_MAX, True),
    ):
        if value is None and required:
            errors[block] = f"Enter the {what}."
        elif value is not None and len(value) > limit:
            errors[block] = f"Keep the {what} under {limit} characters (it has {len(value)})."
    if form.received_via not in RECEIVED_VIA:
        errors["received_via"] = "Choose how the feedback arrived."
    rating: int | None = None
    raw = (form.rating or "").strip()
    if raw:
        try:
            rating = int(raw)
        except ValueError:
            rating = 0
        if not 1 <= rating <= 5:
            errors["rating"] = "A rating is a whole number from 1 to 5."
    elif form.kind == "survey":
        errors["rating"] = "A survey response needs its rating (1 to 5)."
    try:
        received = date.fromisoformat(form.received_on) if form.received_on else ctx.today()
    except ValueError:
        errors["received_on"] = "Choose the date from the calendar."
        received = ctx.today()
    if received > ctx.today():
        errors["received_on"] = f"Feedback cannot arrive in the future; today is {ctx.today():%d %b %Y}."
    owner_problem = assignee_error(ctx, form.owner)
    if owner_problem:
        errors["owner"] = owner_problem
    if errors:
        return errors, None
    assert form.kind and form.received_via and customer and text
    return {}, Entry(form.kind, customer, product, form.received_via, rating, text, received, form.owner)
