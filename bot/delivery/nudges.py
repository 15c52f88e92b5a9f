"""Nudges derived from the records themselves, enqueued under unique keys.

Each feature contributes sources. Most are `MarkedSource`s: their records keep when they next
need a look (`next_nudge_at`, storage/marks.py), so a tick reads only the records whose moment
has come, in short batches of their own transactions, and a steady tick costs an index probe
per source. For each record the source says which nudges it calls for now, by key, and when to
look again; a nudge is built only if its key is not in the outbox yet. A plain source (the
digest) is a function that looks at `now` and yields nudges. Keys that already exist insert
nothing, so running the job twice, after a restart or on two instances, changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Row
from sqlmodel import Session

from bot.delivery.due import due_stage, manager_recipients, next_stage
from bot.delivery.keys import Key
from bot.delivery.outbox import Nudge
from bot.workspace.clock import Clock
from bot.workspace.config import Settings
from storage import marks
from storage import outbox as outbox_rows
from storage.db import Database

log = logging.getLogger(__name__)

# Records looked at together: read and drawn without a lock, then settled in one short write
# (a lookup of SLICE rows, the inserts and the marks: about a millisecond), so that a tick
# finding many reminders due holds SQLite's write lock and PostgreSQL's row locks for short spells.
SLICE = 20
# A look that names no later moment than now is looked at again a minute on, not in a loop.
SOON = timedelta(minutes=1)


@dataclass(frozen=True)
class Due:
    """A nudge a record calls for now, named by its key; `build` makes it (None: nothing after
    all) and runs only when the key is not in the outbox yet, so nothing queued is rebuilt."""

    key: str
    build: Callable[[], Nudge | None]


@dataclass(frozen=True)
class Look:
    """What one record calls for now, and when it next may call for more (None: not until it changes)."""

    due: list[Due]
    again: datetime | None


@dataclass(frozen=True)
class DatedReminders:
    """The keys of a record reminded about one date (a review, a calibration, an evaluation):
    its owner's reminder per stage, and each QMS manager's escalation. `record` names the
    keys' field for the record's id."""

    owner: Key  # {record}, due, stage
    escalation: Key  # {record}, due, manager
    record: str


def dated_look(
    keys: DatedReminders,
    record_id: int | None,
    due_on: date,
    now: datetime,
    settings: Settings,
    notice: int,
    to_owner: Callable[[str, str, date], Nudge],
    to_manager: Callable[[str, str, date], Nudge],
) -> Look:
    """The owner `notice` days before `due_on`, on the day, then at the overdue cadence
    (`to_owner(key, stage, local today)`); each QMS manager once it is
    QMS_ESCALATE_AFTER_DAYS overdue (`to_manager(key, manager, local today)`)."""
    local_today = now.astimezone(settings.zone).date()
    escalate_on = due_on + timedelta(days=settings.escalate_after_days)
    again = next_stage(due_on, local_today, settings, escalate_on, before=[notice])
    stage = due_stage(due_on, local_today, settings, before=[notice])
    if stage is None:
        return Look([], again)
    key = keys.owner.key(**{keys.record: record_id}, due=due_on, stage=stage)
    due = [Due(key, partial(to_owner, key, stage, local_today))]
    if local_today >= escalate_on:
        for manager in manager_recipients(settings):
            told = keys.escalation.key(**{keys.record: record_id}, due=due_on, manager=manager)
            due.append(Due(told, partial(to_manager, told, manager, local_today)))
    return Look(due, again)


def ready(nudge: Nudge) -> Due:
    """A nudge already built (cheap to make) as a Due."""
    return Due(nudge.key, lambda: nudge)


@dataclass(frozen=True)
class MarkedSource:
    """A nudge source over records that keep their next_nudge_at (storage/marks.py).

    The records of `model` due a look are read (locked for the batch), with the record each
    belongs to (`parent`, joined `on`) when given; `look` says what one of them calls for.
    """

    name: str
    model: Any
    look: Callable[[Session, Any, datetime, Settings], Look]
    parent: Any = None
    on: Any = None

    @property
    def __name__(self) -> str:
        return self.name

    def read(self, session: Session, now: datetime, limit: int, *, lock: bool = True) -> list[Any]:
        return marks.due(session, self.model, now, limit, joined=self.parent, on=self.on, lock=lock)

    def current(self, session: Session, ids: list[int]) -> list[Any]:
        """The records `ids` as they are now, locked until the transaction ends (PostgreSQL)."""
        return marks.by_ids(session, self.model, ids, joined=self.parent, on=self.on)

    def record_id(self, item: Any) -> int:
        """Which row the mark is on: the record itself, or the first of a (record, parent) pair."""
        return int(item[0].id if self.parent is not None else item.id)


@dataclass(frozen=True)
class Plan:
    """One record looked at outside the write lock: its columns as read (`state`), when to look
    again, and the outbox rows of the reminders it called for that were not queued yet."""

    record_id: int
    state: tuple[Any, ...]
    again: datetime | None
    rows: list[dict[str, Any]]


def state_of(item: Any) -> tuple[Any, ...]:
    """Every column of a record (and of the record it belongs to, for a pair): equal only if
    nothing in them changed, the mark included."""
    records = tuple(item) if isinstance(item, Row) else (item,)
    return tuple(tuple(getattr(r, c.key) for c in inspect(r).mapper.column_attrs) for r in records)


PlainSource = Callable[[Session, datetime, Settings], Iterable[Nudge]]
NudgeSource = PlainSource | MarkedSource


@dataclass
class DeriveReport:
    enqueued: int = 0
    already_queued: int = 0
    failed_sources: int = 0
    looked_at: int = 0


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
            # A broken source must not hold back the others.
            try:
                if isinstance(source, MarkedSource):
                    self._derive_marked(source, now, report)
                else:
                    self._derive_plain(source, now, report)
            except Exception:
                report.failed_sources += 1
                log.exception("nudge source %s failed", getattr(source, "__name__", source))
        return report

    def _derive_plain(self, source: PlainSource, now: datetime, report: DeriveReport) -> None:
        with self.db.session() as session:
            self._enqueue(session, [ready(n) for n in source(session, now, self.settings)], now, report)

    def _derive_marked(self, source: MarkedSource, now: datetime, report: DeriveReport) -> None:
        """Slice after slice until no record waits for a look. Each slice is looked at, and its
        reminders drawn (about half a millisecond each), in a read that takes no lock; then it
        is settled in a short write that queues them only for the records unchanged since."""
        with self.db.read() as session:
            if not marks.any_due(session, source.model, now):
                return  # the steady tick: one index probe, and SQLite's write lock never taken
        while True:
            with self.db.read() as session:
                items = source.read(session, now, SLICE, lock=False)
                plans = self._plan(session, source, items, now, report)
            settled = self._settle(source, plans, report) if plans else 0
            report.looked_at += settled
            # A slice whose every record changed while it was looked at ends this tick's
            # pass over the source: those records are due again and wait for the next tick.
            if len(items) < SLICE or settled == 0:
                return

    def _plan(
        self, session: Session, source: MarkedSource, items: list[Any], now: datetime, report: DeriveReport
    ) -> list[Plan]:
        """What each record calls for, with the outbox rows of the reminders not queued yet."""
        looks = [(item, source.look(session, item, now, self.settings)) for item in items]
        wanted: dict[str, Due] = {}
        for _, look in looks:
            for d in look.due:
                wanted.setdefault(d.key, d)  # one per key, the first one found
        queued = outbox_rows.existing_keys(session, list(wanted))
        report.already_queued += len(queued)
        plans = []
        for item, look in looks:
            rows = []
            for d in look.due:
                if wanted.pop(d.key, None) is None or d.key in queued:
                    continue
                nudge = d.build()
                if nudge is not None:
                    rows.append(nudge.row_values(now))
            again = look.again if look.again is None or look.again > now else now + SOON
            plans.append(Plan(source.record_id(item), state_of(item), again, rows))
        return plans

    def _settle(self, source: MarkedSource, plans: list[Plan], report: DeriveReport) -> int:
        """Queue the planned reminders and move the marks, for the records that are as they were
        when looked at (a record changed meanwhile is due again, and its next look sees the
        change). The records are locked on PostgreSQL until this commits, so a close committing
        meanwhile waits, then cancels what was queued; SQLite's writer lock does the same."""
        with self.db.session() as session:
            now_state = {
                source.record_id(item): state_of(item) for item in source.current(session, [p.record_id for p in plans])
            }
            fresh = [p for p in plans if now_state.get(p.record_id) == p.state]
            rows = [row for plan in fresh for row in plan.rows]
            added = outbox_rows.enqueue_many(session, rows)
            report.enqueued += added
            report.already_queued += len(rows) - added  # queued by another instance meanwhile
            marks.set_marks(session, source.model, {p.record_id: p.again for p in fresh})
        return len(fresh)

    def _enqueue(self, session: Session, due: list[Due], now: datetime, report: DeriveReport) -> None:
        wanted = list({d.key: d for d in due}.values())  # one per key, the first one found
        queued = outbox_rows.existing_keys(session, [d.key for d in wanted])
        report.already_queued += len(queued)
        nudges = [d.build() for d in wanted if d.key not in queued]
        report.enqueued += outbox_rows.enqueue_many(session, [n.row_values(now) for n in nudges if n is not None])
