"""What people type into the risk forms, and the checks it must pass before anything is stored.

Each check answers errors keyed by the modal's block_id (Slack's `response_action: errors`),
so the person sees every problem next to its field at once. The score is likelihood ×
impact on a 5×5 matrix; its band comes from QMS_RISK_BANDS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.delivery.due import parse_day
from bot.workspace.people_checks import assignee_error

if TYPE_CHECKING:
    from bot.context import Context
    from bot.workspace.config import Settings

TITLE_MAX = 150
TEXT_MAX = 3000
NUMBER = re.compile(r"^RK-(\d{4})-(\d{4,})$", re.IGNORECASE)
KINDS = {"risk": "Risk", "opportunity": "Opportunity"}
TREATMENTS: dict[str, dict[str, str]] = {
    "risk": {"accept": "Accept", "reduce": "Reduce", "avoid": "Avoid", "transfer": "Transfer"},
    "opportunity": {"pursue": "Pursue", "defer": "Defer"},
}
TREATMENT_LABELS = {key: label for options in TREATMENTS.values() for key, label in options.items()}
SCALE = {
    "likelihood": ("Rare", "Unlikely", "Possible", "Likely", "Almost certain"),
    "impact": ("Negligible", "Minor", "Moderate", "Major", "Severe"),
}
FIRST_REVIEW_DAYS = 30  # a new risk is reviewed (or treated) within a month unless a date is chosen


def band(score: int, settings: Settings) -> str:
    """The QMS_RISK_BANDS band a score falls in."""
    return next((name for name, low, high in settings.risk_band_ranges if low <= score <= high), "unscored")


def _clean(text: Any) -> str | None:
    text = text.strip() if isinstance(text, str) else ""
    return text or None


def _text_error(value: str | None, what: str, limit: int, *, required: bool) -> str | None:
    if value is None:
        return f"Enter the {what}." if required else None
    if len(value) > limit:
        return f"Keep the {what} under {limit} characters (it has {len(value)})."
    return None


def _level(raw: Any) -> int | None:
    return int(raw) if isinstance(raw, str) and raw in ("1", "2", "3", "4", "5") else None


def _future_day(ctx: Context, raw: Any, what: str, *, required: bool) -> tuple[str | None, date | None]:
    day = parse_day(raw)
    if day is None:
        return (f"Choose the {what} from the calendar." if required or raw else None), None
    if day < ctx.today():
        return f"The {what} cannot be in the past; today is {ctx.today():%d %b %Y}.", None
    return None, day


def _scores(values: dict[str, Any], prefix: str, errors: dict[str, str]) -> tuple[int, int]:
    likelihood, impact = _level(values.get(f"{prefix}likelihood")), _level(values.get(f"{prefix}impact"))
    if likelihood is None:
        errors[f"{prefix}likelihood"] = "Choose how likely it is, from 1 (rare) to 5 (almost certain)."
    if impact is None:
        errors[f"{prefix}impact"] = "Choose how big the effect would be, from 1 (negligible) to 5 (severe)."
    return likelihood or 0, impact or 0


# --- raising -------------------------------------------------------------------------------


@dataclass
class Draft:
    """A checked "Raise a risk" form, ready to become a record."""

    kind: str
    title: str
    description: str
    process: str
    likelihood: int
    impact: int
    owner: str | None
    review_date: date | None


RAISE_FIELDS = ("kind", "title", "description", "process", "likelihood", "impact", "owner", "review_date")


def check_raise(ctx: Context, values: dict[str, Any]) -> tuple[dict[str, str], Draft | None]:
    """Errors keyed by the modal's block_id, or the draft."""
    title, description = _clean(values.get("title")), _clean(values.get("description"))
    errors: dict[str, str] = {}
    for block, value, what, limit in (
        ("title", title, "title", TITLE_MAX),
        ("description", description, "description", TEXT_MAX),
    ):
        problem = _text_error(value, what, limit, required=True)
        if problem:
            errors[block] = problem
    kind, process = values.get("kind"), values.get("process")
    if kind not in KINDS:
        errors["kind"] = "Choose risk (something that may go wrong) or opportunity (something that may go better)."
    if process not in ctx.settings.processes:
        errors["process"] = "Choose the process or area concerned."
    likelihood, impact = _scores(values, "", errors)
    owner = values.get("owner") if isinstance(values.get("owner"), str) else None
    owner_problem = assignee_error(ctx, owner)
    if owner_problem:
        errors["owner"] = owner_problem
    day_problem, review_date = _future_day(ctx, values.get("review_date"), "review date", required=False)
    if day_problem:
        errors["review_date"] = day_problem
    if errors:
        return errors, None
    assert title and description and isinstance(kind, str) and isinstance(process, str)
    return {}, Draft(kind, title, description, process, likelihood, impact, owner, review_date)


# --- treating and reviewing -----------------------------------------------------------------


@dataclass(frozen=True)
class Treatment:
    treatment: str
    note: str
    residual_likelihood: int
    residual_impact: int
    review_date: date


def check_treat(ctx: Context, kind: str, values: dict[str, Any]) -> tuple[dict[str, str], Treatment | None]:
    errors: dict[str, str] = {}
    treatment = values.get("treatment")
    if treatment not in TREATMENTS.get(kind, {}):
        choices = ", ".join(TREATMENTS.get(kind, {}).values()).lower()
        errors["treatment"] = f"Choose how this {kind} is treated: {choices}."
    note = _clean(values.get("note"))
    problem = _text_error(note, "treatment note", TEXT_MAX, required=True)
    if problem:
        errors["note"] = problem
    likelihood, impact = _scores(values, "residual_", errors)
    day_problem, review_date = _future_day(ctx, values.get("review_date"), "review date", required=True)
    if day_problem:
        errors["review_date"] = day_problem
    if errors:
        return errors, None
    assert isinstance(treatment, str) and note and review_date
    return {}, Treatment(treatment, note, likelihood, impact, review_date)


@dataclass(frozen=True)
class Rescoring:
    likelihood: int
    impact: int
    review_date: date
    note: str | None


def check_review(ctx: Context, values: dict[str, Any]) -> tuple[dict[str, str], Rescoring | None]:
    errors: dict[str, str] = {}
    likelihood, impact = _scores(values, "", errors)
    day_problem, review_date = _future_day(ctx, values.get("review_date"), "next review date", required=True)
    if day_problem:
        errors["review_date"] = day_problem
    note = _clean(values.get("note"))
    problem = _text_error(note, "note", TEXT_MAX, required=False)
    if problem:
        errors["note"] = problem
    if errors:
        return errors, None
    assert review_date
    return {}, Rescoring(likelihood, impact, review_date, note)
