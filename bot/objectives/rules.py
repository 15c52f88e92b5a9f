"""Defining a quality objective and logging a value by hand, each in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.errors import Refused
from bot.objectives.forms import check_log, number
from bot.objectives.measures import DIRECTIONS, MEASURES, parse_period, period_of, status
from bot.submissions import Submission, claim, record_made
from bot.surfaces.mrkdwn import safe
from bot.workspace.roles import Role
from storage import objectives as store
from storage.audit import record_change
from storage.models import QualityObjective

if TYPE_CHECKING:
    from bot.context import Context

RECORD_TYPE = "objective"


def create(ctx: Context, user: str, values: dict[str, Any], submission: Submission | None = None) -> QualityObjective:
    ctx.roles.require(user, Role.QMS_MANAGER, doing="define quality objectives")
    measure = MEASURES[values["measure"]]
    now = ctx.clock.now()
    with ctx.db.session() as session:
        claim(session, submission, RECORD_TYPE, now)
        objective = store.add(
            session,
            QualityObjective(
                name=values["name"].strip(),
                measure=values["measure"],
                target=number(values["target"]) or 0.0,
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
        record_made(session, submission, f"OBJ-{objective.id}")
        return objective


def log_value(ctx: Context, user: str, words: list[str]) -> str:
    """`/kpi log OBJ-3 97.5 [2026-11]`: a hand-entered value for the objective's period."""
    ctx.roles.require(user, Role.QMS_MANAGER, Role.LEADER, doing="log KPI values")
    entry = check_log(words)
    now = ctx.clock.now()
    today = now.astimezone(ctx.settings.zone).date()
    with ctx.db.session() as session:
        objective = store.get(session, entry.objective_id)
        if objective is None:
            raise Refused(f"There is no {safe(entry.code.upper(), 20)}. `/kpi` lists the objectives.")
        if objective.measure != "manual":
            raise Refused(f"OBJ-{objective.id} is measured by the bot from its records; nothing to log.")
        period = parse_period(objective.period, entry.period) if entry.period else period_of(objective.period, today)
        if period is None:
            example = {"month": "2026-11", "quarter": "2026-Q4", "year": "2026"}[objective.period]
            raise Refused(
                f"OBJ-{objective.id} is measured per {objective.period}: give the period like {example} (years 2000 to 2100)."
            )
        if period[1] > today:
            raise Refused("That period has not started yet.")
        value = entry.value
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
