"""The derive tick in a process of its own, as `qms-bot run` runs it (bot/background.py).

The bot's background process runs the scheduler on the real clock; a benchmark's records are
dated on a clock of its own, so its ticker is the same NudgeEngine on the same database in a
process of its own (multiprocessing's, which a benchmark may use for its Queue), at the
benchmark's moment. Each tick's length comes back to the benchmark.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.app import feature_sources
from bot.delivery.nudges import NudgeEngine
from bot.workspace.clock import ManualClock
from bot.workspace.config import explicit_settings
from storage.db import Database


def tick_every(engine: NudgeEngine, every: float, stop: Any, record: Callable[[float], Any]) -> None:
    """The derive tick every `every` seconds until `stop` is set, each tick's seconds given to `record`."""
    while not stop.is_set():
        started = time.perf_counter()
        engine.derive()
        record(time.perf_counter() - started)
        stop.wait(max(0.0, every - (time.perf_counter() - started)))


def _tick(url: str, values: dict[str, Any], now: datetime, every: float, stop: Any, lengths: Any) -> None:
    db = Database(url)
    settings = explicit_settings(**values)
    tick_every(NudgeEngine(db, settings, ManualClock(now), feature_sources(None)), every, stop, lengths.put)
    db.dispose()


class Ticker:
    """`with Ticker(url, settings, now):` ticks every `every` seconds in a spawned process;
    `.lengths` holds each tick's seconds once the block ends."""

    def __init__(self, url: str, values: dict[str, Any], now: datetime, every: float = 1.0) -> None:
        spawn = multiprocessing.get_context("spawn")
        self._stop, self._lengths = spawn.Event(), spawn.Queue()
        self._process = spawn.Process(target=_tick, args=(url, values, now, every, self._stop, self._lengths))
        self.lengths: list[float] = []

    def __enter__(self) -> Ticker:
        self._process.start()
        self.lengths.append(self._lengths.get(timeout=60))  # the first tick has run: it is under way
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        while self._process.is_alive() or not self._lengths.empty():
            try:
                self.lengths.append(self._lengths.get(timeout=0.2))
            except queue.Empty:
                continue
        self._process.join()
        self.lengths.pop(0)  # the one that ran before the measuring began
