"""Pacing the outbox: the configured rate, Slack's pauses, and one post a second per conversation.

Time comes from the injected clock and every wait goes through an injected `wait_until`, so
on a ManualClock (tests, the demo) a wait moves the clock instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.workspace.clock import Clock, ManualClock

WaitUntil = Callable[[datetime], None]
# Slack allows about one message a second in a channel (and a DM is a channel). Bursts are
# tolerated for a moment, but a fan-out that hits one conversation must not rely on that.
SPACING = timedelta(seconds=1)


def waiting_on(clock: Clock) -> WaitUntil:
    """Wait until a moment of `clock`: a real sleep, or on a ManualClock a jump to that moment."""
    if isinstance(clock, ManualClock):
        return clock.advance_to

    def sleep_until(when: datetime) -> None:
        seconds = (when - clock.now()).total_seconds()
        if seconds > 0:
            time.sleep(seconds)

    return sleep_until


class Pacer:
    """A token bucket of `rate` posts a second (up to one second's worth at once), a pause for
    everyone when Slack answers 429, and the conversations that must not get a post yet.

    Shared by the threads of one sender; every method is safe to call from any of them.
    """

    def __init__(self, rate: float, clock: Clock, wait_until: WaitUntil) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.clock = clock
        self.wait_until = wait_until
        self.paused_until: datetime | None = None
        self._tokens = self.capacity
        self._filled_at: datetime | None = None
        self._started: dict[str, datetime] = {}  # recipient -> when its latest post started, then ended
        self._in_flight: Counter[str] = Counter()
        self._lock = threading.Lock()

    # --- the rate and the pause ---

    def take(self, deadline: datetime) -> bool:
        """Wait for the next post's turn; False when Slack paused us or the turn is after `deadline`."""
        while True:
            with self._lock:
                now = self.clock.now()
                if self.paused_until and now < self.paused_until:
                    return False
                self._refill(now)
                if self._tokens >= 1 - 1e-9:  # float dust must not cost a turn
                    self._tokens -= 1
                    return True
                # At least a microsecond (datetime's step), or a tiny shortfall would never pass.
                turn = now + max(timedelta(microseconds=1), timedelta(seconds=(1 - self._tokens) / self.rate))
            if turn > deadline:
                return False
            self.wait_until(turn)

    def _refill(self, now: datetime) -> None:
        if self._filled_at is not None and now > self._filled_at:
            elapsed = (now - self._filled_at).total_seconds()
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        if self._filled_at is None or now > self._filled_at:
            self._filled_at = now

    def pause(self, seconds: float) -> datetime:
        """Slack said Retry-After: nobody posts before the returned moment."""
        with self._lock:
            until = self.clock.now() + timedelta(seconds=seconds)
            self.paused_until = max(until, self.paused_until or until)
            return self.paused_until

    def paused_for(self, now: datetime) -> float:
        with self._lock:
            if self.paused_until and now < self.paused_until:
                return (self.paused_until - now).total_seconds()
            return 0.0

    # --- one post a second per conversation ---

    def busy(self, now: datetime) -> list[str]:
        """Recipients that must not get a post now: one is on its way, or one ended under a second ago."""
        with self._lock:
            self._started = {r: at for r, at in self._started.items() if now < at + SPACING}
            return sorted(set(self._started) | set(self._in_flight))

    def begin(self, recipient: str, now: datetime) -> None:
        with self._lock:
            self._started[recipient] = now
            self._in_flight[recipient] += 1

    def end(self, recipient: str) -> None:
        """The post is back: its conversation's second counts from now, when Slack has it."""
        with self._lock:
            self._started[recipient] = max(self._started.get(recipient, self.clock.now()), self.clock.now())
            self._in_flight[recipient] -= 1
            if self._in_flight[recipient] <= 0:
                del self._in_flight[recipient]

    def next_free(self) -> datetime | None:
        """When the first conversation kept back by the spacing may have its next post."""
        with self._lock:
            waiting = [at + SPACING for r, at in self._started.items() if r not in self._in_flight]
            return min(waiting, default=None)


class Turns:
    """One tick's budget of posts, shared by its threads; any thread can end the tick."""

    def __init__(self, budget: int) -> None:
        self.left = budget
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True

    def stop(self) -> None:
        with self._lock:
            self.left = 0


def retry_after_seconds(headers: Any) -> float:
    """Slack's Retry-After in seconds (at least one)."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(1.0, float(raw))
            except (TypeError, ValueError):
                break
    return 1.0
