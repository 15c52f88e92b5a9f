"""Time as a dependency, so tests move a clock instead of sleeping."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests and the demo)."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._now += timedelta(**delta)
            return self._now

    def advance_to(self, when: datetime) -> None:
        """Move forward to `when`, never back: how a wait looks on a clock that moves when told.
        Several threads waiting at once end at the latest of their moments, not the sum."""
        with self._lock:
            self._now = max(self._now, when.astimezone(UTC))

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when.astimezone(UTC)
