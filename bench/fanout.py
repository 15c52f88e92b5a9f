"""Fan-out: one training round to many people through a rate-limited fake Slack.

Publishes a round to a channel of N people through the real app, then drains the outbox
against a fake Slack that answers 429 + Retry-After above its limit. Time is simulated
(the scheduler's one-second tick, and the pauses Slack asks for), so the figures measure
how well the sender uses the limit, not how fast this machine is; wall time is printed too.

    .venv/bin/python bench/fanout.py --people 5000 --limit-per-minute 300
    .venv/bin/python bench/fanout.py --database postgresql+psycopg://postgres@127.0.0.1:5432/qms_bench
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bulk

from bot.standin.sandbox import QUINN, Sandbox
from bot.workspace.clock import ManualClock


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--limit-per-minute", type=int, default=300, help="the fake Slack's chat.postMessage limit")
    parser.add_argument("--per-second", type=float, default=4.0, help="QMS_OUTBOX_PER_SECOND")
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (its public schema is dropped!)")
    args = parser.parse_args()
    if args.database:
        bulk.fresh(args.database, Path("unused")).dispose()

    clock = ManualClock()
    settings = {"outbox_per_second": args.per_second, "working_hours": "00:00-23:59", "working_days": "mon-sun"}
    with Sandbox(clock=clock, settings=settings, process_before_response=True, database_url=args.database) as sb:
        people = [f"U0F{n:07d}" for n in range(args.people)]
        for user_id in people:
            sb.fake.add_user(user_id, user_id.lower())
        sb.fake.add_channel("C0EVERYONE", "everyone", people)
        started = time.perf_counter()
        sb.slack.command(QUINN, "/training", "new")
        sb.slack.submit(
            QUINN,
            sb.slack.last_view(),
            {
                "title": "Bench",
                "doc_ref": "SOP-001",
                "revision": "A",
                "summary": "Fan-out benchmark.",
                "channels": ["C0EVERYONE"],
                "due_date": "2026-12-31",
            },
        )
        published = time.perf_counter() - started
        sb.fake.rate_limit("chat.postMessage", args.limit_per_minute, 60.0)
        simulated = 0.0
        throttled = 0
        started = time.perf_counter()
        while True:
            report = sb.ctx.sender.send_due()
            if report.paused_for:
                throttled += 1
                clock.advance(seconds=report.paused_for)
                simulated += report.paused_for
                continue
            if not (report.sent or report.retried or report.deferred):
                break
            clock.advance(seconds=1)  # the scheduler's tick
            simulated += 1
        wall = time.perf_counter() - started
        cards = Counter(m["channel"] for m in sb.fake.sent_messages() if m["text"].startswith("Please read SOP-001"))
        delivered = len(cards)
        doubled = sum(n - 1 for n in cards.values() if n > 1)
        limit_rate = args.limit_per_minute / 60
        achieved = delivered / simulated if simulated else 0.0
        backend = "PostgreSQL" if args.database else "SQLite"
        print(f"fan-out on {backend}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
        print(f"people                 {args.people}")
        print(f"publish (resolve+queue) {published:.2f} s wall")
        print(f"delivered / lost / doubled  {delivered} / {args.people - delivered} / {doubled}")
        print(f"simulated send time    {simulated:.0f} s ({throttled} pauses for 429 Retry-After)")
        print(
            f"rate achieved          {achieved:.2f} msg/s of {limit_rate:.2f} allowed ({100 * achieved / limit_rate:.0f}%), QMS_OUTBOX_PER_SECOND={args.per_second:g}"
        )
        print(
            f"wall time to send      {wall:.1f} s ({delivered / wall:.0f} msg/s through HTTP and the database on this machine)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
