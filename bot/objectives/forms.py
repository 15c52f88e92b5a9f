"""What defining an objective and logging a value ask for, and the checks on the answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.errors import Refused
from bot.objectives.measures import DIRECTIONS, MEASURES, PERIODS
from bot.surfaces.mrkdwn import safe

CODE = re.compile(r"^OBJ-(\d+)$", re.IGNORECASE)
MAX_ID = 2**31 - 1  # the ids are INTEGER columns: a bigger number can name no objective


def number(text: str | None) -> float | None:
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
    if number(values.get("target")) is None:
        errors["target"] = "Give the target as a number, such as 90 or 4.5."
    if values.get("period") not in PERIODS:
        errors["period"] = "Choose month, quarter or year."
    if len((values.get("unit") or "").strip()) > 20:
        errors["unit"] = "Keep the unit under 20 characters."
    return errors


@dataclass(frozen=True)
class LogEntry:
    """`/kpi log OBJ-3 97.5 [2026-11]` as read: the objective as typed, its id, the value, the period if given."""

    code: str
    objective_id: int
    value: float
    period: str | None


def check_log(words: list[str]) -> LogEntry:
    """The words after `/kpi log`; Refused saying how to write them."""
    match = CODE.match(words[0]) if len(words) in (2, 3) else None
    if match is None or int(match.group(1)) > MAX_ID:
        raise Refused("Use `/kpi log OBJ-3 97.5` (this period) or `/kpi log OBJ-3 97.5 2026-11`.")
    value = number(words[1])
    if value is None:
        raise Refused(f"{safe(words[1], 30)} is not a number (write 1250 or 12.5).")
    return LogEntry(words[0], int(match.group(1)), value, words[2] if len(words) == 3 else None)
