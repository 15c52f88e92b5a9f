"""Nudges derived from the records themselves, enqueued under unique keys.

Each feature contributes a source: a function that looks at its records at `now` and
yields the nudges due (an action due in 3 days, an audit tomorrow, …). The periodic job
runs every source and enqueues what they yield; keys that already exist insert nothing,
so running the job twice, after a restart or on two instances, changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.delivery.outbox import Nudge, enqueue
from bot.workspace.clock import Clock
from bot.workspace.config import Settings
from storage.db import Database

log = logging.getLogger(__name__)

NudgeSource = Callable[[Session, datetime, Settings], Iterable[Nudge]]


@dataclass
class DeriveReport:
    enqueued: int = 0
    already_queued: int = 0
    failed_sources: int = 0


class NudgeEngine:
    def __init__(
        self, db: Database, settings: Settings, clock: Clock, sources: list[NudgeSource] | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.sources: list[NudgeSource] = list(sources or [])

    def add_source(self, source: NudgeSource) -> None:
        self.sources.append(source)

    def derive(self) -> DeriveReport:
        report = DeriveReport()
        now = self.clock.now()
        for source in self.sources:
            # One transaction per source: a broken source must not hold back the others.
            try:
                with self.db.session() as session:
                    for nudge in source(session, now, self.settings):
                        if enqueue(session, nudge, now):
                            report.enqueued += 1
                        else:
                            report.already_queued += 1
            except Exception:
                report.failed_sources += 1
                log.exception("nudge source %s failed", getattr(source, "__name__", source))
        return report
