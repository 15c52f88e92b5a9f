"""What an objective is measured by, per which period, and the status rule.

Status rule, the same everywhere it is shown:
- met: the value reaches the target (at least / at most, as the objective says);
- at risk: it misses by no more than 10% of the target;
- missed: it misses by more; no data: nothing to measure in the period yet.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlmodel import Session

from bot import outputs, risks, suppliers
from bot.audits import done_vs_planned
from bot.feedback import figures
from storage import objectives as store
from storage.models import QualityObjective

AT_RISK_SHARE = 0.10
RULE = "met: reaches the target · at risk: misses by at most 10% of the target · missed: misses by more"
PERIODS = {"month": "Month", "quarter": "Quarter", "year": "Year"}
DIRECTIONS = {"at_least": "At least", "at_most": "At most"}


# --- periods -----------------------------------------------------------------------------------


def period_of(kind: str, day: date) -> tuple[str, date, date]:
    """(key, first day, day after the last) of the month, quarter or year containing `day`."""
    if kind == "month":
        first = day.replace(day=1)
        end = (first + timedelta(days=32)).replace(day=1)
        return f"{day:%Y-%m}", first, end
    if kind == "quarter":
        q = (day.month - 1) // 3
        first = date(day.year, 3 * q + 1, 1)
        end = date(day.year + (q == 3), 1 if q == 3 else 3 * q + 4, 1)
        return f"{day.year}-Q{q + 1}", first, end
    return str(day.year), date(day.year, 1, 1), date(day.year + 1, 1, 1)


def parse_period(kind: str, text: str) -> tuple[str, date, date] | None:
    patterns = {"month": r"^(\d{4})-(\d{2})$", "quarter": r"^(\d{4})-Q([1-4])$", "year": r"^(\d{4})$"}
    match = re.match(patterns[kind], text.strip(), re.IGNORECASE)
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        return None
    year = int(match.group(1))
    if kind == "month":
        month = int(match.group(2))
        return period_of(kind, date(year, month, 1)) if 1 <= month <= 12 else None
    if kind == "quarter":
        return period_of(kind, date(year, 3 * (int(match.group(2)) - 1) + 1, 1))
    return period_of(kind, date(year, 1, 1))


# --- the measures the bot computes from its own records ----------------------------------------


def _at(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def _customer_rating(session: Session, start: date, end: date, zone: tzinfo) -> float | None:
    return figures(session, start, end, zone).average_rating


def _closed_on_time(session: Session, start: date, end: date, zone: tzinfo) -> float | None:
    closed = store.ncs_closed_between(session, _at(start, zone), _at(end, zone))
    if not closed:
        return None
    on_time = sum(1 for nc in closed if nc.closed_at and nc.closed_at.astimezone(zone).date() <= nc.due_date)
    return round(100 * on_time / len(closed), 1)


def _days_to_close(session: Session, start: date, end: date, zone: tzinfo) -> float | None:
    closed = store.ncs_closed_between(session, _at(start, zone), _at(end, zone))
    days = [
        (nc.closed_at.astimezone(zone).date() - nc.raised_at.astimezone(zone).date()).days
        for nc in closed
        if nc.closed_at
    ]
    return float(statistics.median(days)) if days else None


def _training_completion(session: Session, start: date, end: date, zone: tzinfo) -> float | None:
    people = store.assignments_due_between(session, start, end)
    if not people:
        return None
    return round(100 * sum(1 for a in people if a.status == "acknowledged") / len(people), 1)


def _audits_done(session: Session, start: date, end: date, zone: tzinfo) -> float | None:
    share = done_vs_planned(session, start, end)
    return None if share is None else round(share, 1)


def _complaints(session: Session, start: date, end: date, zone: tzinfo) -> float | None:
    return float(figures(session, start, end, zone).complaints)


def _scrapped(session: Session, start: date, end: date, zone: tzinfo) -> float | None:
    """Units scrapped under dispositions authorised in the period (all units added together)."""
    return outputs.scrap_and_rework(session, start, end, zone).scrapped


def _cost_of_poor_quality(session: Session, start: date, end: date, zone: tzinfo) -> float | None:
    """Scrapped and reworked quantities times their output's cost per unit (bot.outputs.replies)."""
    return outputs.scrap_and_rework(session, start, end, zone).cost


def _risks_overdue_treatment(session: Session, start: date, end: date, zone: tzinfo) -> float | None:
    """Risks whose treatment is overdue on the period's last day (to date): an open treatment
    action past its due date, or no treatment chosen by the review date. Read from the register
    as it stands, so a past period shows today's count."""
    return float(risks.overdue_treatment(session, end - timedelta(days=1)))


def _suppliers_on_time(session: Session, start: date, end: date, zone: tzinfo) -> float | None:
    """Supplier evaluations recorded in the period by the date they were due (8.4), as a share."""
    on_time, done = suppliers.evaluated_on_time(session, start, end - timedelta(days=1))
    return round(100 * on_time / done, 1) if done else None


@dataclass(frozen=True)
class Measure:
    label: str
    unit: str
    compute: Callable[[Session, date, date, tzinfo], float | None] | None  # None: entered by hand


MEASURES: dict[str, Measure] = {
    "customer_rating": Measure("Average customer rating (1-5)", "", _customer_rating),
    "ncs_closed_on_time": Measure("NCs closed by their due date", "%", _closed_on_time),
    "nc_days_to_close": Measure("Median days to close an NC", "days", _days_to_close),
    "training_completion": Measure("Training completion (rounds due in the period)", "%", _training_completion),
    "complaints": Measure("Customer complaints received", "", _complaints),
    "audits_done": Measure("Internal audits done vs planned (planned to date)", "%", _audits_done),
    "scrap_quantity": Measure("Quantity scrapped (authorised dispositions)", "", _scrapped),
    "cost_of_poor_quality": Measure(
        "Cost of poor quality (scrap and rework × cost per unit)", "", _cost_of_poor_quality
    ),
    "risks_overdue_treatment": Measure("Risks with overdue treatment", "", _risks_overdue_treatment),
    "suppliers_evaluated_on_time": Measure("Suppliers evaluated on time", "%", _suppliers_on_time),
    "manual": Measure("Entered by hand with /kpi log", "", None),
}


def status(value: float | None, target: float, direction: str) -> str:
    """met / at risk / missed / no data, by the rule in this module's docstring."""
    if value is None:
        return "no data"
    gap = (target - value) if direction == "at_least" else (value - target)
    if gap <= 0:
        return "met"
    return "at risk" if gap <= abs(target) * AT_RISK_SHARE else "missed"


@dataclass
class Standing:
    objective: QualityObjective
    period: str
    value: float | None
    status: str

    @property
    def code(self) -> str:
        return f"OBJ-{self.objective.id}"


def standings(session: Session, today: date, zone: tzinfo) -> list[Standing]:
    """Every objective's value and status for its current period (to date)."""
    found = []
    for objective in store.all_objectives(session):
        key, start, end = period_of(objective.period, today)
        # To date: a round due later this month is not yet incomplete.
        end = min(end, today + timedelta(days=1))
        compute = MEASURES[objective.measure].compute if objective.measure in MEASURES else None
        # A stored objective always has its id.
        value = compute(session, start, end, zone) if compute else store.value_for(session, objective.id or 0, key)
        found.append(Standing(objective, key, value, status(value, objective.target, objective.direction)))
    return found
