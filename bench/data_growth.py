"""Data growth: the digest, a busy person's Home tab and `/nc list` at 1k to 1M records.

For each size, a fresh database (migrated with the real migrations) is filled with synthetic
records in bulk: N nonconformities (3 years of them, 5% still open), N/2 corrective
actions, N/4 customer feedback entries and N sent outbox messages. Then each read is timed
(best of --repeat) and, for the largest size, every SQL statement it ran is shown with the
database's plan, so an index that is missing shows up as a full scan.

    .venv/bin/python bench/data_growth.py                       # SQLite, 1k 10k 100k 1M
    .venv/bin/python bench/data_growth.py --sizes 1000,10000    # a quick run
    .venv/bin/python bench/data_growth.py --database postgresql+psycopg://postgres@127.0.0.1:5432/qms_bench
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bulk  # bench/bulk.py
from sqlalchemy import event

from bot import (
    digest,
    home,
)
from bot import nonconformity as nc
from bot.app import build_context
from bot.nonconformity.nudges import OWNER_REMINDER
from bot.workspace.clock import ManualClock
from bot.workspace.config import explicit_settings
from storage.db import Database
from storage.migrate import upgrade
from storage.models import CorrectiveAction, Feedback, Nonconformity, OutboxMessage

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
BUSY = "U0BUSY0001"  # a QMS manager who owns one NC in 500, and actions besides
PEOPLE = [f"U0P{n:07d}" for n in range(2000)]
ACTIVE = ["open", "contained", "root_cause_found", "actions_planned", "actions_done", "effectiveness_verified"]
PROCESSES = ["Production", "Purchasing", "Warehouse and logistics", "Service", "Sales"]


def nonconformities(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    span = 3 * 365 * 24 * 3600
    for i in range(1, n + 1):
        raised = NOW - timedelta(seconds=span * (n - i) / n)  # oldest first, like the real register
        active = rng.random() < 0.05
        status = rng.choice(ACTIVE) if active else ("closed" if rng.random() < 0.9 else "cancelled")
        yield {
            "id": i,
            "number": f"NC-{raised.year}-{i:07d}",
            "title": f"Nonconformity {i}",
            "description": "Synthetic record for the growth benchmark.",
            "severity": rng.choice(["critical", "major", "minor", "observation"]),
            "source": "employee_report",
            "process": rng.choice(PROCESSES),
            "owner": BUSY if i % 500 == 0 else rng.choice(PEOPLE),
            "reporter": rng.choice(PEOPLE),
            "due_date": (raised + timedelta(days=30)).date(),
            "status": status,
            "version": 1,
            "raised_at": raised,
            "updated_at": raised,
            "failed_verifications": 0,
            "closed_at": raised + timedelta(days=20) if status == "closed" else None,
        }


def actions(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    for i in range(1, n // 2 + 1):
        nc_id = rng.randint(1, n)
        yield {
            "id": i,
            "nc_id": nc_id,
            "seq": i,
            "submission": f"bench-{i}",
            "kind": "corrective",
            "description": "Synthetic action.",
            "owner": BUSY if i % 400 == 0 else rng.choice(PEOPLE),
            "due_date": NOW.date() + timedelta(days=rng.randint(-400, 30)),
            "status": "open" if rng.random() < 0.05 else "done",
            "created_by": BUSY,
            "created_at": NOW - timedelta(days=rng.randint(1, 1000)),
        }


def feedback(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    for i in range(1, n // 4 + 1):
        received = NOW.date() - timedelta(days=int(3 * 365 * (n // 4 - i) / max(1, n // 4)))
        complaint = rng.random() < 0.3
        yield {
            "id": i,
            "number": f"FB-{received.year}-{i:07d}",
            "kind": "complaint" if complaint else "compliment",
            "customer": "Acme",
            "received_via": "email",
            "rating": None if complaint else rng.randint(3, 5),
            "text": "Synthetic feedback.",
            "received_on": received,
            "logged_by": rng.choice(PEOPLE),
            "logged_at": datetime.combine(received, datetime.min.time(), UTC),
            "owner": rng.choice(PEOPLE) if complaint else None,
            "respond_by": received + timedelta(days=2) if complaint else None,
            "response": "resolved" if not complaint or rng.random() < 0.97 else "received",
        }


def outbox(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    for i in range(1, n + 1):
        sent = NOW - timedelta(minutes=n - i)
        yield {
            "id": i,
            "key": OWNER_REMINDER.key(nc=i, due=sent, stage="before-3d"),
            "recipient": rng.choice(PEOPLE),
            "text": "Reminder",
            "status": "sent",
            "not_before": sent,
            "attempts": 1,
            "created_at": sent,
            "sent_at": sent,
            "in_working_hours": True,
            "snoozable": True,
        }


def fill(db: Database, n: int) -> float:
    rng = random.Random(n)
    started = time.perf_counter()
    for model, rows in (
        (Nonconformity, nonconformities(n, rng)),
        (CorrectiveAction, actions(n, rng)),
        (Feedback, feedback(n, rng)),
        (OutboxMessage, outbox(n, rng)),
    ):
        bulk.insert_rows(db, model, rows)
    bulk.settle(db, ("nonconformity", "corrective_action", "feedback", "outbox_message"))
    return time.perf_counter() - started


class Statements:
    """The SQL a piece of code runs, captured to explain afterwards."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.seen: list[tuple[str, Any]] = []
        self.on = False
        event.listen(db.engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if self.on and statement.lstrip().upper().startswith("SELECT"):
            self.seen.append((statement, parameters))

    def capture(self, work: Callable[[], Any]) -> list[tuple[str, Any]]:
        self.seen, self.on = [], True
        try:
            work()
        finally:
            self.on = False
        return list(dict((s, (s, p)) for s, p in self.seen).values())

    def plan(self, statement: str, parameters: Any) -> list[str]:
        prefix = "EXPLAIN QUERY PLAN " if self.db.dialect == "sqlite" else "EXPLAIN "
        with self.db.engine.connect() as connection:
            rows = connection.exec_driver_sql(prefix + statement, parameters).fetchall()
        return [str(r[-1]) for r in rows]


def best_of(repeat: int, work: Callable[[], Any]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000", help="numbers of NCs, comma-separated")
    parser.add_argument(
        "--database",
        default=None,
        help="a PostgreSQL URL (its public schema is dropped!); default: a temporary SQLite file",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plans", choices=["largest", "all", "none"], default="largest")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    settings = explicit_settings(
        slack_bot_token="xoxb-bench",
        slack_api_url="http://127.0.0.1:9/api/",
        managers=[BUSY],
        leaders=[BUSY],
        timezone="Europe/Berlin",
    )
    print(
        f"{'records':>9} {'fill':>8} {'digest':>9} {'home (busy)':>12} {'/nc list mine':>14} {'/nc list open':>14} {'/nc list overdue':>17}"
    )
    with tempfile.TemporaryDirectory(prefix="qms-growth-") as tmp:
        for size in sizes:
            db = bulk.fresh(args.database, Path(tmp) / f"growth-{size}.db")
            upgrade(db.engine)
            filled = fill(db, size)
            ctx = build_context(settings, clock=ManualClock(NOW), db=db, sources=[])
            reads: dict[str, Callable[[], Any]] = {
                "digest": lambda: _digest(db, settings),
                "home": lambda: home.view(ctx, BUSY),
                "mine": lambda: nc.list_reply(ctx, BUSY, "mine"),
                "open": lambda: nc.list_reply(ctx, BUSY, "open"),
                "overdue": lambda: nc.list_reply(ctx, BUSY, "overdue"),
            }
            t = {name: best_of(args.repeat, work) for name, work in reads.items()}
            print(
                f"{size:>9,} {filled:>7.1f}s {t['digest'] * 1000:>7.1f}ms {t['home'] * 1000:>10.1f}ms {t['mine'] * 1000:>12.1f}ms {t['open'] * 1000:>12.1f}ms {t['overdue'] * 1000:>15.1f}ms",
                flush=True,
            )
            if args.plans == "all" or (args.plans == "largest" and size == max(sizes)):
                statements = Statements(db)
                for name, work in reads.items():
                    print(f"\n  plans for {name} at {size:,} records:")
                    for statement, parameters in statements.capture(work):
                        print("    " + " ".join(statement.split())[:160])
                        for line in statements.plan(statement, parameters):
                            print(f"      {line}")
                print()
            db.dispose()
    return 0


def _digest(db: Database, settings: Any) -> None:
    with db.session() as session:
        digest.render(digest.compute(session, NOW, settings))


if __name__ == "__main__":
    raise SystemExit(main())
