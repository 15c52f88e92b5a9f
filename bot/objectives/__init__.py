"""Quality objectives and KPIs (ISO 9001 6.2, 9.1.3): measured by the bot or entered by hand.

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
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from bot.audits import done_vs_planned
from bot.errors import Refused
from bot.feedback import figures
from bot.registry import Callback
from bot.surfaces.blocks import Reply, capped_lines, context, input_block, modal, section, static_select, text_input
from bot.surfaces.mrkdwn import safe
from bot.workspace.roles import Role
from storage import objectives as store
from storage.audit import record_change
from storage.models import QualityObjective

if TYPE_CHECKING:
    from bot.context import Context

RECORD_TYPE = "objective"
AT_RISK_SHARE = 0.10
RULE = "met: reaches the target · at risk: misses by at most 10% of the target · missed: misses by more"
PERIODS = {"month": "Month", "quarter": "Quarter", "year": "Year"}
DIRECTIONS = {"at_least": "At least", "at_most": "At most"}
CODE = re.compile(r"^OBJ-(\d+)$", re.IGNORECASE)


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
        value = compute(session, start, end, zone) if compute else store.value_for(session, objective.id, key)  # type: ignore[arg-type]
        found.append(Standing(objective, key, value, status(value, objective.target, objective.direction)))
    return found


# --- defining objectives and logging values ----------------------------------------------------


def new_modal() -> dict[str, Any]:
    blocks = [
        input_block("name", "Objective", text_input("value", max_length=100, placeholder="e.g. On-time NC closure")),
        input_block("measure", "Measure", static_select("value", [(m.label, key) for key, m in MEASURES.items()])),
        input_block(
            "direction",
            "Target is",
            static_select("value", list((label, key) for key, label in DIRECTIONS.items()), initial="at_least"),
        ),
        input_block("target", "Target", text_input("value", max_length=20, placeholder="e.g. 90")),
        input_block(
            "unit",
            "Unit",
            text_input("value", max_length=20, placeholder="e.g. %"),
            optional=True,
            hint="Computed measures bring their own unit.",
        ),
        input_block(
            "period",
            "Measured per",
            static_select("value", list((label, key) for key, label in PERIODS.items()), initial="month"),
        ),
    ]
    return modal(Callback.OBJECTIVE_NEW, "New quality objective", blocks, submit="Save")


def _number(text: str | None) -> float | None:
    raw = (text or "").strip()
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+", raw):
        return None  # "1,250": a thousands separator or a decimal comma? Ask rather than guess.
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        return None
    return value if value == value and abs(value) < 1e12 else None  # no NaN, no absurd sizes


def check_new(values: dict[str, Any]) -> dict[str, str]:
    errors = {}
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = "Name the objective."
    elif len(name) > 100:
        errors["name"] = "Keep the name under 100 characters."
    if values.get("measure") not in MEASURES:
        errors["measure"] = "Choose what is measured."
    if values.get("direction") not in DIRECTIONS:
        errors["direction"] = "Choose at least or at most."
    if _number(values.get("target")) is None:
        errors["target"] = "Give the target as a number, such as 90 or 4.5."
    if values.get("period") not in PERIODS:
        errors["period"] = "Choose month, quarter or year."
    if len((values.get("unit") or "").strip()) > 20:
        errors["unit"] = "Keep the unit under 20 characters."
    return errors


def create(ctx: Context, user: str, values: dict[str, Any]) -> QualityObjective:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="define quality objectives")
    measure = MEASURES[values["measure"]]
    now = ctx.clock.now()
    with ctx.db.session() as session:
        objective = store.add(
            session,
            QualityObjective(
                name=values["name"].strip(),
                measure=values["measure"],
                target=_number(values["target"]) or 0.0,
                direction=values["direction"],
                unit=(measure.unit or (values.get("unit") or "").strip()),
                period=values["period"],
                created_by=user,
                created_at=now,
            ),
        )
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=f"OBJ-{objective.id}",
            action="defined",
            after={
                "name": objective.name,
                "measure": objective.measure,
                "target": objective.target,
                "direction": objective.direction,
                "period": objective.period,
            },
        )
        return objective


def log_value(ctx: Context, user: str, words: list[str]) -> str:
    """`/kpi log OBJ-3 97.5 [2026-11]`: a hand-entered value for the objective's period."""
    ctx.roles.require(user, Role.QMS_MANAGER, Role.LEADER, doing="log KPI values")
    if len(words) not in (2, 3) or not CODE.match(words[0]) or int(CODE.match(words[0]).group(1)) > 2**31 - 1:  # type: ignore[union-attr]
        raise Refused("Use `/kpi log OBJ-3 97.5` (this period) or `/kpi log OBJ-3 97.5 2026-11`.")
    value = _number(words[1])
    if value is None:
        raise Refused(f"{safe(words[1], 30)} is not a number (write 1250 or 12.5).")
    now = ctx.clock.now()
    today = now.astimezone(ctx.settings.zone).date()
    with ctx.db.session() as session:
        objective = store.get(session, int(CODE.match(words[0]).group(1)))  # type: ignore[union-attr]
        if objective is None:
            raise Refused(f"There is no {safe(words[0].upper(), 20)}. `/kpi` lists the objectives.")
        if objective.measure != "manual":
            raise Refused(f"OBJ-{objective.id} is measured by the bot from its records; nothing to log.")
        period = parse_period(objective.period, words[2]) if len(words) == 3 else period_of(objective.period, today)
        if period is None:
            example = {"month": "2026-11", "quarter": "2026-Q4", "year": "2026"}[objective.period]
            raise Refused(
                f"OBJ-{objective.id} is measured per {objective.period}: give the period like {example} (years 2000 to 2100)."
            )
        if period[1] > today:
            raise Refused("That period has not started yet.")
        before = store.set_value(
            session,
            {
                "objective_id": objective.id,
                "period_key": period[0],
                "value": value,
                "logged_by": user,
                "logged_at": now,
            },
        )
        record_change(
            session,
            at=now,
            actor=user,
            record_type=RECORD_TYPE,
            record_ref=f"OBJ-{objective.id}",
            action="value_logged",
            before={"period": period[0], "value": before},
            after={"period": period[0], "value": value},
        )
        shown = status(value, objective.target, objective.direction)
        unit = safe(objective.unit, 20)
        return f"Logged {value:g}{unit} for OBJ-{objective.id} ({safe(objective.name, 100)}), {period[0]}: *{shown}* against {DIRECTIONS[objective.direction].lower()} {objective.target:g}{unit}."


def list_reply(ctx: Context) -> Reply:
    today = ctx.clock.now().astimezone(ctx.settings.zone).date()
    with ctx.db.session() as session:
        found = standings(session, today, ctx.settings.zone)
    if not found:
        return Reply("No quality objectives yet. QMS managers define them with `/kpi new`.")
    return Reply(
        f"Quality objectives: {sum(s.status == 'met' for s in found)} of {len(found)} met",
        [
            section("*Quality objectives*\n" + capped_lines(lines(found), 2900, max_lines=25)),
            context(f"Status rule: {RULE}."),
        ],
    )


STATUS_EMOJI = {
    "met": ":large_green_circle:",
    "at risk": ":large_yellow_circle:",
    "missed": ":red_circle:",
    "no data": ":white_circle:",
}


def lines(found: list[Standing]) -> list[str]:
    out = []
    for s in found:
        o = s.objective
        unit = safe(o.unit, 20)
        value = "no data" if s.value is None else f"{s.value:g}{unit}"
        out.append(
            f"{STATUS_EMOJI[s.status]} *{s.code}* {safe(o.name, 100)}: {value} · target {DIRECTIONS[o.direction].lower()} {o.target:g}{unit} · {s.period} · *{s.status}*"
        )
    return out
