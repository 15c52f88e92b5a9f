"""Contention: an NC submission and `/nc list` while nudge ticks run, against the same with no tick.

The database is filled as bench/tick.py fills it (N open NCs, N open actions, N pending
acknowledgements) and one tick queues what is due. Then --people threads each raise NCs
(`nc.raise_nc`, the work behind the form's Submit) and ask `/nc list open` (`nc.list_reply`)
in turn for --seconds, --rounds times alternated: with no tick running; with the derive tick
running every --every seconds in a process of its own, as `qms-bot run` runs it
(bench/ticker.py); and, for comparison, with the tick in the submitters' process
(QMS_BACKGROUND_PROCESS=false). It prints p50/p99 of each and how many failed with "database
is locked" (or any other error).

    .venv/bin/python bench/contention.py                  # SQLite, 10k open each
    .venv/bin/python bench/contention.py --database postgresql+psycopg://postgres@127.0.0.1:5432/qms_bench_s1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bulk  # bench/bulk.py
import tick as tick_bench  # bench/tick.py: the same bulk-built data
from ticker import Ticker, tick_every

from bot import nonconformity as nc
from bot.app import build_context, feature_sources
from bot.context import Context
from bot.delivery.nudges import NudgeEngine
from bot.nonconformity.forms import Draft
from bot.workspace.clock import ManualClock
from bot.workspace.config import explicit_settings
from storage.migrate import upgrade


class Tally:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {"submit": [], "list": []}
        self.errors: Counter[str] = Counter()
        self.lock = threading.Lock()

    def run(self, kind: str, work: Any) -> None:
        started = time.perf_counter()
        try:
            work()
        except Exception as exc:  # counted and named, never raised: the run goes on
            with self.lock:
                self.errors["database is locked" if "database is locked" in str(exc) else type(exc).__name__] += 1
            return
        with self.lock:
            self.times[kind].append(time.perf_counter() - started)


def person(ctx: Context, index: int, tally: Tally, stop: threading.Event) -> None:
    reporter = f"U0SUBMIT{index:02d}"
    n = 0
    while not stop.is_set():
        n += 1
        draft = Draft(
            title=f"Contention {index}-{n}: label missing",
            description="Raised by the contention benchmark.",
            severity="minor",
            source="employee_report",
            process="Production",
            supplier=None,
            iso_clause=None,
            containment=None,
            owner=reporter,
            due_date=tick_bench.NOW.date() + timedelta(days=2),
        )
        tally.run("submit", lambda: nc.raise_nc(ctx, reporter, draft))
        tally.run("list", lambda: nc.list_reply(ctx, reporter, "open"))


def phase(ctx: Context, engine: NudgeEngine | None, args: argparse.Namespace, tally: Tally, ticks: list[float]) -> None:
    """The submitters for --seconds, with `engine` ticking in a thread of their process if given."""
    stop = threading.Event()
    threads = [threading.Thread(target=person, args=(ctx, i, tally, stop)) for i in range(args.people)]
    if engine is not None:
        threads.append(threading.Thread(target=tick_every, args=(engine, args.every, stop, ticks.append)))
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join()


def apart(
    ctx: Context, url: str, values: dict[str, Any], args: argparse.Namespace, tally: Tally, ticks: list[float]
) -> None:
    """The submitters for --seconds while the tick runs in a process of its own."""
    with Ticker(url, values, tick_bench.NOW, args.every) as ticking:
        phase(ctx, None, args, tally, [])
    ticks += ticking.lengths


def pct(values: list[float], q: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000, help="open NCs (= actions = acknowledgements)")
    parser.add_argument("--people", type=int, default=4, help="threads submitting and listing")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each phase")
    parser.add_argument("--rounds", type=int, default=2, help="the three phases, alternated, this many times")
    parser.add_argument("--every", type=float, default=1.0, help="seconds between tick starts")
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (its public schema is dropped!)")
    args = parser.parse_args()
    settings = explicit_settings(
        slack_bot_token="xoxb-bench",
        slack_api_url="http://127.0.0.1:9/api/",
        managers=[tick_bench.MANAGER],
        leaders=[],
        timezone="Europe/Berlin",
    )
    print(f"contention on {'PostgreSQL' if args.database else 'SQLite'}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    with tempfile.TemporaryDirectory(prefix="qms-contention-") as tmp:
        db = bulk.fresh(args.database, Path(tmp) / f"tick-{args.size}.db")
        upgrade(db.engine)
        tick_bench.fill(db, args.size, 0)
        clock = ManualClock(tick_bench.NOW)
        ctx = build_context(settings, clock=clock, db=db, sources=[])
        engine = NudgeEngine(db, settings, clock, feature_sources(None))
        engine.derive()  # what is due is queued: the ticks below are steady, but for the new NCs
        print(
            f"{args.size:,} open each; {args.people} people submitting and listing, {args.rounds} × {args.seconds:.0f} s a phase"
        )
        url = args.database or f"sqlite:///{Path(tmp) / f'tick-{args.size}.db'}"
        results: dict[str, tuple[Tally, list[float]]] = {
            name: (Tally(), []) for name in ("no tick", "ticks apart", "ticks in")
        }
        for _ in range(args.rounds):  # alternated: the records the submitters add weigh on each alike
            phase(ctx, None, args, *results["no tick"])
            apart(ctx, url, settings.model_dump(), args, *results["ticks apart"])
            phase(ctx, engine, args, *results["ticks in"])
        print("ticks apart: in a process of their own, as qms-bot run runs them; in: in the submitters' process")
        print(f"{'':>11} {'submit p50':>11} {'submit p99':>11} {'list p50':>10} {'list p99':>10} {'done':>6}  errors")
        for name, (tally, ticks) in results.items():
            sub, lst = tally.times["submit"], tally.times["list"]
            print(
                f"{name:>11} {pct(sub, 0.5):>11} {pct(sub, 0.99):>11} {pct(lst, 0.5):>10} {pct(lst, 0.99):>10}"
                f" {len(sub) + len(lst):>6}  {dict(tally.errors) or 'none'}"
                + (f"  ({len(ticks)} ticks, median {statistics.median(ticks) * 1000:.0f} ms)" if ticks else "")
            )
        quiet = results["no tick"][0]
        for name in ("ticks apart", "ticks in"):
            busy = results[name][0]
            ratios = [
                f"{kind} {statistics.quantiles(busy.times[kind], n=100)[98] / statistics.quantiles(quiet.times[kind], n=100)[98]:.2f}x"
                for kind in ("submit", "list")
                if quiet.times[kind] and busy.times[kind]
            ]
            print(f"p99 with {name} / without: {', '.join(ratios)}")
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
