"""When a person may be nudged: inside their working hours, in their own timezone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def next_working_moment(now: datetime, tz: ZoneInfo, window: tuple[time, time], weekdays: Iterable[int]) -> datetime:
    """`now` if it falls inside the working window in `tz`, else the start of the next one (UTC)."""
    days = set(weekdays)
    local = now.astimezone(tz)
    start_time, end_time = window
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() not in days:
            continue
        start = datetime.combine(day, start_time, tz)
        end = datetime.combine(day, end_time, tz)
        if offset == 0 and start <= local < end:
            return now
        if local < start:
            return start.astimezone(UTC)
    return now  # no working day configured at all; config validation prevents this
