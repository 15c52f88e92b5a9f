"""Which reminder a due date calls for today: before it, on it, or overdue (and how often)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any


def parse_day(raw: object) -> date | None:
    """A datepicker's value as a date; None when empty or not a date (the form then says so)."""
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) and raw else None
    except ValueError:
        return None


def manager_recipients(settings: Any) -> list[str]:
    """Who gets escalations: the QMS managers by ID, or the QMS channel when they are a user group.

    Nudge sources run without Slack at hand, so a group is not expanded here.
    """
    return list(settings.manager_ids) or ([settings.channel] if settings.channel else [])


def due_stage(due: date, today: date, settings: Any, before: list[int] | None = None) -> str | None:
    """`before-Nd` (the nearest of QMS_REMINDER_DAYS_BEFORE), `today`, `overdue-K`, or None.

    Overdue reminders come the day after the due date and then every
    QMS_OVERDUE_EVERY_DAYS; K counts them, so each one has a key of its own. `before` replaces
    QMS_REMINDER_DAYS_BEFORE for dates with their own notice (audits, document reviews).
    """
    days_left = (due - today).days
    if days_left > 0:
        ahead = [d for d in (settings.reminder_days_before if before is None else before) if d > 0 and days_left <= d]
        return f"before-{min(ahead)}d" if ahead else None
    if days_left == 0:
        return "today"
    return f"overdue-{(-days_left - 1) // settings.overdue_every_days}"


def stage_days(due: date, today: date, settings: Any, before: list[int] | None = None) -> list[date]:
    """The days on which `due_stage` may change after `today`: each notice ahead, the day itself,
    the day after, and the next overdue reminder."""
    ahead = settings.reminder_days_before if before is None else before
    days = [due - timedelta(days=d) for d in ahead if d > 0] + [due, due + timedelta(days=1)]
    if today > due:
        every = settings.overdue_every_days
        reminders = ((today - due).days - 1) // every + 1  # overdue reminders so far
        days.append(due + timedelta(days=1 + reminders * every))
    return days


def local_start(days: Iterable[date | None], today: date, zone: Any) -> datetime | None:
    """The first moment (local midnight, in UTC) of the earliest of `days` after `today`; None if none is."""
    later = [d for d in days if d is not None and d > today]
    return datetime.combine(min(later), time(0), zone).astimezone(UTC) if later else None


def next_stage(
    due: date, today: date, settings: Any, *also: date | None, before: list[int] | None = None
) -> datetime | None:
    """When a record reminded about `due` next needs a look: the first day after `today` on
    which its reminder stage changes, or one of the record's own days (`also`: an escalation)."""
    return local_start([*stage_days(due, today, settings, before), *also], today, settings.zone)


def cycle_start(day: date, months: int) -> date:
    """The first day of the programme cycle holding `day`: cycles of `months` counted from
    January 2000, so 12 is the calendar year, 6 the half-year, 36 a certification cycle."""
    index = ((day.year - 2000) * 12 + day.month - 1) // months * months
    return date(2000 + index // 12, index % 12 + 1, 1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, on the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
