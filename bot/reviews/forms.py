"""What the review forms ask for, and the checks on the answers: the schedule, the minutes, the evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.delivery.due import parse_day
from bot.reviews import blocks
from bot.workspace.people_checks import assignee_error, people_error

if TYPE_CHECKING:
    from bot.context import Context

NUMBER = re.compile(r"^MR-(\d{4})-(\d{4,})$", re.IGNORECASE)
ATTENDEES_MAX = 100
MINUTES_MAX, ACTION_MAX, EVIDENCE_MAX = 3000, 500, 2000


# --- scheduling ------------------------------------------------------------------------------------


HORIZON = timedelta(days=5 * 365)  # management reviews are planned for the next years, not the next centuries


@dataclass
class Schedule:
    planned_date: date
    attendees: list[str]
    recurrence: str


def check_schedule(ctx: Context, values: dict[str, Any]) -> tuple[dict[str, str], Schedule | None]:
    """Errors by block, or the schedule with user groups expanded to their members (Slack calls)."""
    errors: dict[str, str] = {}
    planned = parse_day(values.get("planned_date"))
    if planned is None:
        errors["planned_date"] = "Choose the date of the review."
    elif planned < ctx.today():
        errors["planned_date"] = f"The review cannot be planned in the past; today is {ctx.today():%d %b %Y}."
    elif planned > ctx.today() + HORIZON:
        # A date in 9999 would be accepted and its successor could never be counted from it.
        errors["planned_date"] = (
            f"Plan the review within {HORIZON.days // 365} years; {planned:%d %b %Y} is too far ahead."
        )
    recurrence = values.get("recurrence") or "none"
    if recurrence not in blocks.RECURRENCE_LABELS:
        errors["recurrence"] = "Choose how often the review recurs."
    people = list(values.get("attendees") or [])
    try:
        for group in values.get("groups") or []:
            people += sorted(ctx.directory.group_members(group))
        people = list(dict.fromkeys(people))
        problem = people_error(ctx, people)
    except SlackApiError as exc:
        problem = f"Slack did not give the members just now ({exc.response.get('error')}); please send the form again."
    if problem:
        errors["attendees"] = problem
    elif not people:
        errors["attendees"] = "Choose the attendees: people, a user group, or both."
    elif len(people) > ATTENDEES_MAX:
        errors["attendees"] = f"At most {ATTENDEES_MAX} attendees."
    if errors:
        return errors, None
    assert planned
    return {}, Schedule(planned, people, recurrence)


# --- recording the meeting ---------------------------------------------------------------------------


@dataclass
class Minutes:
    held_on: date
    minutes: str
    actions: list[tuple[str, str, date]]


def check_minutes(ctx: Context, values: dict[str, Any]) -> tuple[dict[str, str], Minutes | None]:
    errors: dict[str, str] = {}
    held = parse_day(values.get("held_on"))
    if held is None:
        errors["held_on"] = "Choose the date the review was held."
    elif held > ctx.today():
        errors["held_on"] = "A review is recorded once it has been held; the date cannot be in the future."
    minutes = (values.get("minutes") or "").strip()
    if not minutes:
        errors["minutes"] = "Write the minutes and decisions: the auditor will ask for them."
    elif len(minutes) > MINUTES_MAX:
        errors["minutes"] = f"Keep the minutes under {MINUTES_MAX} characters; link the full minutes from here."
    acts: list[tuple[str, str, date]] = []
    for n in range(1, blocks.OUTPUT_ROWS + 1):
        action = _check_output_action(ctx, values, n, errors)
        if action:
            acts.append(action)
    if errors:
        return errors, None
    assert held
    return {}, Minutes(held, minutes, acts)


def _check_output_action(
    ctx: Context, values: dict[str, Any], n: int, errors: dict[str, str]
) -> tuple[str, str, date] | None:
    """Output action row `n` of the record form: its errors go into `errors`; the action once whole."""
    text = (values.get(f"action_{n}") or "").strip()
    owner, raw_due = values.get(f"owner_{n}"), values.get(f"due_{n}")
    if not text:
        if owner or raw_due:
            errors[f"action_{n}"] = "Describe the action, or clear its owner and due date."
        return None
    if len(text) > ACTION_MAX:
        errors[f"action_{n}"] = f"Keep the action under {ACTION_MAX} characters."
    problem = assignee_error(ctx, owner) if owner else "Choose who owns this action."
    if problem:
        errors[f"owner_{n}"] = problem
    due = parse_day(raw_due)
    if due is None:
        errors[f"due_{n}"] = "Choose the action's due date."
    elif due < ctx.today():
        errors[f"due_{n}"] = f"The due date cannot be in the past; today is {ctx.today():%d %b %Y}."
    return (text, owner, due) if owner and due else None


# --- output actions ------------------------------------------------------------------------------------


def check_evidence(values: dict[str, Any]) -> tuple[dict[str, str], str]:
    """The evidence an output action was done with: said, and short enough to keep."""
    evidence = (values.get("evidence") or "").strip()
    if not evidence or len(evidence) > EVIDENCE_MAX:
        return {"evidence": f"Say what was done (under {EVIDENCE_MAX} characters)."}, evidence
    return {}, evidence
