"""The outbox's pacing: the configured rate whatever Slack's latency, Retry-After for everyone,
one post a second per conversation, one claimed row per post.

Slack here is a stand-in client called in-process. Its latency is simulated on the clock: a
post that starts at T moves the ManualClock to T + latency when it ends. Concurrency is real:
a tick's posts meet at a barrier, which only a sender with that many posts in flight passes
(sending one at a time, the barrier breaks after its timeout and the test fails).
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlmodel import col, func, select

from bot.delivery.outbox import Nudge, Sender, enqueue
from bot.delivery.pacing import Pacer
from bot.workspace.clock import ManualClock
from bot.workspace.config import explicit_settings
from bot.workspace.people import Directory
from storage import outbox as rows
from storage.db import Database
from storage.models import OutboxMessage

BARRIER_TIMEOUT = 5.0  # only ever waited out when the sender does not post concurrently


@dataclass
class Post:
    channel: str
    started: datetime
    in_flight: int  # posts under way at once, this one included
    sending: int  # rows in 'sending' when it started


@dataclass
class StandInSlack:
    """chat.postMessage taking `latency` seconds of the clock; optionally a 429 or a barrier."""

    clock: ManualClock
    db: Database
    latency: float = 0.35
    together: int = 1  # posts that must be in flight at once (a barrier)
    answer_429: set[int] = field(default_factory=set)  # the call numbers answered 429
    retry_after: int = 30
    posts: list[Post] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _in_flight: int = 0

    def __post_init__(self) -> None:
        self.barrier = threading.Barrier(self.together, timeout=BARRIER_TIMEOUT) if self.together > 1 else None

    def chat_postMessage(self, *, channel: str, **_: Any) -> dict[str, Any]:  # noqa: N802 (Slack's name)
        with self.db.session() as session:
            sending = session.exec(select(func.count()).where(col(OutboxMessage.status) == "sending")).one()
        with self._lock:
            self._in_flight += 1
            number = len(self.posts)
            started = self.clock.now()
            self.posts.append(Post(channel, started, self._in_flight, sending))
        try:
            if self.barrier is not None:
                self.barrier.wait()
            self.clock.advance_to(started + timedelta(seconds=self.latency))
            if number in self.answer_429:
                response = SlackResponse(
                    client=None,
                    http_verb="POST",
                    api_url="chat.postMessage",
                    req_args={},
                    data={"ok": False, "error": "ratelimited"},
                    headers={"Retry-After": str(self.retry_after)},
                    status_code=429,
                )
                raise SlackApiError("ratelimited", response)
            return {"ok": True, "channel": channel, "ts": f"{number}.000"}
        finally:
            with self._lock:
                self._in_flight -= 1


def sender_for(db: Database, slack: StandInSlack, clock: ManualClock, per_second: float) -> Sender:
    settings = explicit_settings(slack_bot_token="xoxb-test", outbox_per_second=per_second)
    return Sender(db, slack, Directory(slack, clock), settings, clock, "w1")  # type: ignore[arg-type]


def queue(db: Database, clock: ManualClock, channels: list[str]) -> None:
    with db.session() as session:
        for n, channel in enumerate(channels):
            enqueue(session, Nudge(key=f"pace:{n}", recipient=channel, text=f"Message {n}"), clock.now())


def channels(count: int) -> list[str]:
    return [f"C0PACE{n:04d}" for n in range(count)]


def tick_like_the_scheduler(sender: Sender, clock: ManualClock, ticks: int) -> datetime:
    """A tick every second of the clock; a tick still running at the next second skips it
    (APScheduler's max_instances=1). Returns when the tick after the last one would be."""
    start = clock.now()
    for _ in range(ticks):
        sender.send_due()
        seconds = (clock.now() - start).total_seconds()
        clock.set(start + timedelta(seconds=max(1, math.ceil(seconds + 1e-9))))
    return clock.now()


def test_a_slow_slack_still_gets_the_configured_rate(db: Database, clock: ManualClock) -> None:
    slack = StandInSlack(clock, db, latency=0.35, together=10)
    sender = sender_for(db, slack, clock, per_second=10)
    queue(db, clock, channels(40))
    started = clock.now()
    ended = tick_like_the_scheduler(sender, clock, ticks=4)
    with db.session() as session:
        assert rows.status_counts(session) == {"sent": 40}
    rate = 40 / (ended - started).total_seconds()
    assert rate >= 0.95 * 10, rate  # one at a time it would be about 1 / 0.35 s = 2.9 msg/s
    assert max(p.in_flight for p in slack.posts) == 10


def test_each_post_has_exactly_one_claimed_row_and_none_goes_twice(db: Database, clock: ManualClock) -> None:
    slack = StandInSlack(clock, db, latency=0.2, together=4)
    sender = sender_for(db, slack, clock, per_second=4)
    queue(db, clock, channels(20))
    tick_like_the_scheduler(sender, clock, ticks=5)
    # A row is claimed just before its post: never more rows in 'sending' than the tick's threads.
    assert max(p.sending for p in slack.posts) <= min(sender.in_flight, sender.batch_size) == 4
    assert Counter(p.channel for p in slack.posts) == Counter({c: 1 for c in channels(20)})
    with db.session() as session:
        sent = session.exec(select(OutboxMessage)).all()
    assert sorted(r.ts for r in sent) == sorted(f"{n}.000" for n in range(20))  # each post marked on its row


def test_a_429_pauses_every_thread_for_retry_after_and_the_row_is_not_an_attempt(
    db: Database, clock: ManualClock
) -> None:
    slack = StandInSlack(clock, db, latency=0.1, together=4, answer_429={0})
    sender = sender_for(db, slack, clock, per_second=4)
    queue(db, clock, channels(12))
    report = sender.send_due()
    # The four in flight when Slack said 429 finish; then nobody posts until Retry-After is over.
    assert len(slack.posts) == 4
    assert (report.sent, report.deferred, report.paused_for) == (3, 1, 30)
    with db.session() as session:
        limited = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.recipient) == slack.posts[0].channel)
        ).one()
    assert (limited.status, limited.attempts) == ("pending", 0)
    assert limited.not_before >= slack.posts[0].started + timedelta(seconds=30)
    slack.barrier = None
    for _ in range(29):  # the scheduler's next ticks
        clock.set(slack.posts[0].started + timedelta(seconds=_ + 1))
        assert sender.send_due().paused_for > 0
    assert len(slack.posts) == 4
    assert sender.pacer.paused_until == slack.posts[0].started + timedelta(seconds=30.1)  # from its answer
    clock.set(sender.pacer.paused_until)
    assert sender.drain().sent == 9
    delivered = Counter(p.channel for n, p in enumerate(slack.posts) if n not in slack.answer_429)
    assert delivered == Counter({c: 1 for c in channels(12)})  # the limited row too, once


def test_a_pause_stops_every_thread_waiting_for_its_turn(clock: ManualClock) -> None:
    pacer = Pacer(rate=2, clock=clock, wait_until=clock.advance_to)
    deadline = clock.now() + timedelta(seconds=10)
    assert pacer.take(deadline) and pacer.take(deadline)  # the second's two turns
    pacer.pause(30)
    turns = []
    threads = [threading.Thread(target=lambda: turns.append(pacer.take(deadline))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert turns == [False, False, False]
    clock.advance(seconds=30)
    assert pacer.take(clock.now() + timedelta(seconds=1))


def test_one_conversation_gets_one_post_a_second_without_holding_up_the_others(
    db: Database, clock: ManualClock
) -> None:
    slack = StandInSlack(clock, db, latency=0.05)
    sender = sender_for(db, slack, clock, per_second=10)
    busy = "C0BUSY0001"
    queue(db, clock, [busy, busy, busy, *channels(5)])
    first = sender.send_due()
    assert first.sent == 6 and first.kept_back >= 1  # one to the busy channel, and all five others
    assert Counter(p.channel for p in slack.posts)[busy] == 1
    with db.session() as session:
        waiting = session.exec(select(OutboxMessage).where(col(OutboxMessage.status) == "pending")).all()
    assert [(r.recipient, r.attempts) for r in waiting] == [(busy, 0), (busy, 0)]  # kept back, untouched
    assert sender.drain().sent == 2
    times = [p.started for p in slack.posts if p.channel == busy]
    assert len(times) == 3
    assert all(later - earlier >= timedelta(seconds=1) for earlier, later in zip(times, times[1:], strict=False))
