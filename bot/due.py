"""Which reminder a due date calls for today: before it, on it, or overdue (and how often)."""

from __future__ import annotations

from datetime import date
from typing import Any


def manager_recipients(settings: Any) -> list[str]:
    """Who gets escalations: the QMS managers by ID, or the QMS channel when they are a user group.

    Nudge sources run without Slack at hand, so a group is not expanded here.
    """
    return list(settings.manager_ids) or ([settings.channel] if settings.channel else [])


def due_stage(due: date, today: date, settings: Any) -> str | None:
    """`before-Nd` (the nearest of QMS_REMINDER_DAYS_BEFORE), `today`, `overdue-K`, or None.

    Overdue reminders come the day after the due date and then every
    QMS_OVERDUE_EVERY_DAYS; K counts them, so each one has a key of its own.
    """
    days_left = (due - today).days
    if days_left > 0:
        ahead = [d for d in settings.reminder_days_before if d > 0 and days_left <= d]
        return f"before-{min(ahead)}d" if ahead else None
    if days_left == 0:
        return "today"
    return f"overdue-{(-days_left - 1) // settings.overdue_every_days}"
