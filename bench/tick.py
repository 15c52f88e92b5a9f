"""The nudge tick: a steady tick (nothing new due) at 1k to 100k open items, per source; with
history; and a tick that finds N new nudges due.

For each size N a fresh database (the real migrations) is filled in bulk with N open NCs (due
dates from 60 days ago to 60 days ahead, most owner steps, some awaiting verification), N open
corrective actions on them and N pending acknowledgements (10 open training rounds), plus
`--history` closed NCs and sent outbox rows. One tick queues what is due; then the steady tick
is timed (median of --repeat), whole and source by source; then N' NCs due in two days are
added in bulk and the tick that queues their reminders is timed, for each N' of --due, with
how long it held the write lock (its write transactions: total, and the longest one).

    .venv/bin/python bench/tick.py                                  # SQLite, 1k 10k 100k
    .venv/bin/python bench/tick.py --sizes 10000 --history 1000000
    .venv/bin/python bench/tick.py --database postgresql+psycopg://postgres@127.0.0.1:5432/qms_bench_s1
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bulk  # bench/bulk.py
from sqlalchemy import func, select

from bot.app import feature_sources
from bot.delivery.nudges import NudgeEngine
from bot.workspace.clock import ManualClock
from bot.workspace.config import Settings, explicit_settings
from storage.db import Database
from storage.migrate import upgrade
from storage.models import (
    CorrectiveAction,
    Nonconformity,
    OutboxMessage,
    TrainingAssignment,
    TrainingRound,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Berlin
MANAGER = "U0QMSMGR01"
PEOPLE = [f"U0P{n:07d}" for n in range(5000)]
OWNER_STEPS = ["open", "contained", "root_cause_found", "actions_planned"]
ROUNDS = 10


def nc_row(i: int, rng: random.Random, *, status: str, due: Any, raised: datetime) -> dict[str, Any]:
    return {
        "id": i,
        "number": f"NC-{raised.year}-{i:07d}",
        "title": f"Nonconformity {i}",
        "description": "Synthetic record for the tick benchmark.",
        "severity": rng.choice(["critical", "major", "minor"]),
        "source": "employee_report",
        "process": "Production",
        "owner": rng.choice(PEOPLE),
        "reporter": rng.choice(PEOPLE),
        "due_date": due,
        "status": status,
        "version": 1,
        "raised_at": raised,
        "updated_at": raised,
        "failed_verifications": 0,
        "actions_done_at": raised + timedelta(days=3) if status == "actions_done" else None,
        "closed_at": raised + timedelta(days=20) if status == "closed" else None,
    }


def open_ncs(n: int, first: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    for i in range(first, first + n):
        status = "actions_done" if rng.random() < 0.1 else rng.choice(OWNER_STEPS)
        due = NOW.date() + timedelta(days=rng.randint(-60, 60))
        yield nc_row(i, rng, status=status, due=due, raised=NOW - timedelta(days=rng.randint(5, 90)))


def history_ncs(n: int, first: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    for i in range(first, first + n):
        raised = NOW - timedelta(days=3 * 365 * (first + n - i) / max(1, n))
        yield nc_row(i, rng, status="closed", due=(raised + timedelta(days=30)).date(), raised=raised)


def open_actions(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    for i in range(1, n + 1):
        yield {
            "id": i,
            "nc_id": i,
            "seq": 1,
            "submission": f"bench-{i}",
            "kind": "corrective",
            "description": "Synthetic action.",
            "owner": rng.choice(PEOPLE),
            "due_date": NOW.date() + timedelta(days=rng.randint(-60, 60)),
            "status": "open",
            "created_by": MANAGER,
            "created_at": NOW - timedelta(days=10),
        }


def rounds() -> Iterator[dict[str, Any]]:
    for r in range(1, ROUNDS + 1):
        yield {
            "id": r,
            "number": f"TR-2026-{r:04d}",
            "title": f"SOP-{r:03d} rev A",
            "doc_ref": f"SOP-{r:03d}",
            "revision": "A",
            "doc_key": f"sop-{r:03d}",
            "revision_key": "a",
            "summary": "Synthetic round.",
            "due_date": NOW.date() - timedelta(days=r),
            "publisher": MANAGER,
            "published_at": NOW - timedelta(days=7 + r * 3),
            "audience": {"users": []},
            "status": "open",
        }


def assignments(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {"round_id": i % ROUNDS + 1, "person": f"U0A{i:08d}", "status": "pending", "version": 1}


def history_outbox(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    for i in range(1, n + 1):
        sent = NOW - timedelta(minutes=n - i)
        yield {
            "key": f"hist:{i}",
            "recipient": rng.choice(PEOPLE),
            "text": "Reminder",
            "status": "sent",
            "not_before": sent,
            "attempts": 1,
            "created_at": sent,
            "sent_at": sent,
            "in_working_hours": True,
            "snoozable": False,
        }


def fill(db: Database, n: int, history: int) -> float:
    rng = random.Random(n)
    started = time.perf_counter()
    bulk.insert_rows(db, Nonconformity, open_ncs(n, 1, rng))
    bulk.insert_rows(db, Nonconformity, history_ncs(history, n + 1, rng))
    bulk.insert_rows(db, CorrectiveAction, open_actions(n, rng))
    bulk.insert_rows(db, TrainingRound, rounds())
    bulk.insert_rows(db, TrainingAssignment, assignments(n))
    bulk.insert_rows(db, OutboxMessage, history_outbox(history, rng))
    bulk.settle(db, ("nonconformity", "corrective_action", "training_round", "training_assignment"))
    return time.perf_counter() - started


def add_due(db: Database, count: int, first: int) -> None:
    """`count` new open NCs due in two days: each calls for its before-3d reminder now."""
    rng = random.Random(first)
    due = NOW.date() + timedelta(days=2)
    rows = (nc_row(i, rng, status="open", due=due, raised=NOW) for i in range(first, first + count))
    bulk.insert_rows(db, Nonconformity, rows)
    bulk.settle(db, ("nonconformity", "corrective_action", "training_round", "training_assignment"))


class WriteHolds:
    """How long each write transaction the tick opens lasts (`db.session`, where SQLite's writer
    lock is held and people's writes wait): the total and the longest, per tick."""

    def __init__(self, db: Database) -> None:
        self.holds: list[float] = []
        opened = db.session

        @contextmanager
        def timed_session() -> Iterator[Any]:
            started = time.perf_counter()
            with opened() as session:
                yield session
            self.holds.append(time.perf_counter() - started)

        db.session = timed_session  # type: ignore[method-assign]

    def take(self) -> str:
        holds, self.holds = self.holds, []
        if not holds:
            return "no write transaction"
        return f"write lock {sum(holds) * 1000:.1f} ms in {len(holds)} transactions, longest {max(holds) * 1000:.1f} ms"


def timed(engine: NudgeEngine) -> tuple[float, int]:
    started = time.perf_counter()
    report = engine.derive()
    return time.perf_counter() - started, report.enqueued


def median_ms(engine: NudgeEngine, repeat: int) -> float:
    return statistics.median(timed(engine)[0] for _ in range(repeat)) * 1000


def run_size(db: Database, settings: Settings, size: int, args: argparse.Namespace) -> None:
    upgrade(db.engine)
    filled = fill(db, size, args.history)
    clock = ManualClock(NOW)
    sources = feature_sources(None)
    engine = NudgeEngine(db, settings, clock, sources)
    first_s, first_n = timed(engine)
    print(
        f"\n{size:,} open each, {args.history:,} history rows: filled in {filled:.1f} s; "
        f"first tick queued {first_n:,} in {first_s * 1000:.0f} ms"
    )
    print(f"  steady tick (median of {args.repeat}): {median_ms(engine, args.repeat):8.1f} ms")
    for source in sources:
        alone = NudgeEngine(db, settings, clock, [source])
        name = getattr(source, "__name__", str(source))
        print(f"    {name:<22} {median_ms(alone, args.repeat):8.1f} ms")
    with db.engine.connect() as connection:
        next_id = int(connection.execute(select(func.max(Nonconformity.id))).scalar_one()) + 1  # type: ignore[arg-type]
    holds = WriteHolds(db)
    for count in args.due:
        add_due(db, count, next_id)
        next_id += count
        holds.take()
        spent, queued = timed(engine)
        print(f"  tick finding {count:>5,} due: {spent * 1000:8.1f} ms, queued {queued:,}; {holds.take()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="open NCs (= actions = acknowledgements)")
    parser.add_argument("--history", type=int, default=0, help="closed NCs and sent outbox rows besides")
    parser.add_argument("--due", default="10,100,1000", help="new nudges a timed tick finds, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (its public schema is dropped!)")
    args = parser.parse_args()
    args.due = [int(d) for d in args.due.split(",") if d]
    settings = explicit_settings(
        slack_bot_token="xoxb-bench",
        slack_api_url="http://127.0.0.1:9/api/",
        managers=[MANAGER],
        leaders=[],
        timezone="Europe/Berlin",
    )
    print(f"tick benchmark on {'PostgreSQL' if args.database else 'SQLite'}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    with tempfile.TemporaryDirectory(prefix="qms-tick-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            db = bulk.fresh(args.database, Path(tmp) / f"tick-{size}.db")
            run_size(db, settings, size, args)
            db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
