"""Fan-out in real time: the rate the outbox keeps when Slack answers in 50, 200 and 350 ms.

The fake Slack holds every chat.postMessage for the latency; ticks come every second as the
scheduler's do (a tick still running at the next second skips it, APScheduler's
max_instances=1). Side by side in one run: the peer sends one at a time (the same Sender,
pool, claims and calls, with in_flight=1: how the outbox sent before), then the sender as
configured (ceil(rate) + 1 in flight). Each on a fresh database.

    .venv/bin/python bench/fanout_latency.py --per-second 10 [--database postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bulk  # bench/bulk.py

from bot.app import build_context
from bot.delivery.outbox import Nudge, Sender, enqueue
from bot.standin.fakeslack import FakeSlack
from bot.workspace.clock import SystemClock
from bot.workspace.config import explicit_settings
from storage import outbox as rows
from storage.migrate import upgrade


def run(url: str | None, workdir: Path, per_second: float, latency: float, messages: int, in_flight: int | None):
    clock = SystemClock()
    with FakeSlack(clock) as fake:
        db = bulk.fresh(url, workdir / f"f-{latency}-{in_flight}.db")
        upgrade(db.engine)
        settings = explicit_settings(
            slack_bot_token="xoxb-test",
            slack_api_url=fake.api_url,
            database_url=str(db.engine.url),
            outbox_per_second=per_second,
        )
        ctx = build_context(settings, clock=clock, db=db, sources=[])
        sender = Sender(db, ctx.sender.client, ctx.directory, settings, clock, "bench", in_flight=in_flight)
        with db.session() as session:
            for n in range(messages):
                fake.add_channel(f"C0F{n:07d}", f"f{n}")
                enqueue(session, Nudge(key=f"f:{n}", recipient=f"C0F{n:07d}", text=f"Card {n}"), clock.now())
        fake.delay("chat.postMessage", latency)
        started = time.monotonic()
        sent = 0
        while sent < messages:
            sent += sender.send_due().sent
            elapsed = time.monotonic() - started
            next_tick = started + max(1, math.ceil(elapsed + 1e-6))
            if sent < messages:
                time.sleep(max(0.0, next_tick - time.monotonic()))
        took = math.ceil(time.monotonic() - started - 1e-6)  # whole ticks: the next tick could send again
        posted = [str(c.args.get("channel")) for c in fake.calls_to("chat.postMessage", ok=True)]
        with db.session() as session:
            counts = rows.status_counts(session)
        db.dispose()
        return messages / took, len(set(posted)), len(posted) - len(set(posted)), counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-second", type=float, default=10.0, help="QMS_OUTBOX_PER_SECOND")
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--latency-ms", default="50,200,350")
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (its public schema is dropped!)")
    args = parser.parse_args()
    print(
        f"fan-out at QMS_OUTBOX_PER_SECOND={args.per_second:g}, {args.messages} messages, "
        f"{'PostgreSQL' if args.database else 'SQLite'}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"{'latency':>8}  {'one at a time':>22}  {'concurrent (new)':>22}  lost/doubled")
    with tempfile.TemporaryDirectory() as tmp:
        for ms in (int(x) for x in args.latency_ms.split(",")):
            cells, checks = [], []
            for in_flight in (1, None):
                rate, distinct, doubled, counts = run(
                    args.database, Path(tmp), args.per_second, ms / 1000, args.messages, in_flight
                )
                cells.append(f"{rate:5.2f} msg/s ({100 * rate / args.per_second:3.0f}%)")
                checks.append(f"{args.messages - distinct}/{doubled}")
                assert counts == {"sent": args.messages}, counts
            print(f"{ms:>5} ms  {cells[0]:>22}  {cells[1]:>22}  {' '.join(checks)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
