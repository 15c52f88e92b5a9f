"""The nudge outbox: enqueue once, deliver once, in working hours, through Slack's limits."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.context import Context
from bot.delivery.nudges import NudgeEngine
from bot.delivery.outbox import MAX_ATTEMPTS, Nudge, Sender, enqueue
from bot.registry import Action
from bot.standin.fakeslack import FakeSlack
from bot.workspace.clock import ManualClock
from storage import outbox as rows
from tests.flows import make_ctx

ANNA = "U0ANNA0001"  # Berlin
TOM = "U0TOM00001"  # Los Angeles


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeSlack]:
    with FakeSlack(clock) as slack:
        slack.add_user(ANNA, "anna", tz="Europe/Berlin")
        slack.add_user(TOM, "tom", tz="America/Los_Angeles")
        slack.add_user("U0GONE0001", "gone", deleted=True)
        yield slack


@pytest.fixture
def ctx(database_url: str, fake: FakeSlack, clock: ManualClock) -> Iterator[Context]:
    context = make_ctx(database_url, fake, clock)
    yield context
    context.db.dispose()


def put(ctx: Context, *nudges: Nudge) -> list[bool]:
    with ctx.db.session() as session:
        return [enqueue(session, n, ctx.clock.now()) for n in nudges]


def nudge(n: int, recipient: str = ANNA, **kw: object) -> Nudge:
    return Nudge(key=f"action:{n}:due-3d", recipient=recipient, text=f"Action {n} is due in 3 days", **kw)  # type: ignore[arg-type]


def room(n: int) -> str:
    """A channel of its own for message `n`: the sender posts to one conversation once a second."""
    return f"C0ROOM{n:04d}"


def rooms(fake: FakeSlack, count: int) -> None:
    for n in range(count):
        fake.add_channel(room(n), f"room-{n}")


def delivered(fake: FakeSlack) -> Counter[str]:
    return Counter(m["text"] for m in fake.sent_messages())


def test_enqueueing_the_same_key_twice_queues_one_message(ctx: Context) -> None:
    assert put(ctx, nudge(1), nudge(1), nudge(2)) == [True, False, True]
    with ctx.db.session() as session:
        assert rows.status_counts(session) == {"pending": 2}


def test_a_sent_message_is_marked_with_slacks_ts(ctx: Context, fake: FakeSlack) -> None:
    put(ctx, nudge(1))
    report = ctx.sender.send_due()
    assert report.sent == 1
    with ctx.db.session() as session:
        row = rows.by_key(session, "action:1:due-3d")
    assert row is not None and row.status == "sent"
    assert (row.channel, row.ts) == (fake.dm_channel(ANNA), fake.sent_messages(ANNA)[0]["ts"])
    assert row.sent_at == ctx.clock.now()


def test_a_restart_neither_loses_nor_repeats_a_nudge(database_url: str, fake: FakeSlack, clock: ManualClock) -> None:
    first = make_ctx(database_url, fake, clock)
    put(first, *(nudge(n) for n in range(10)))
    first.sender.send_due(limit=4)
    first.db.dispose()  # the process stops

    second = make_ctx(database_url, fake, clock)  # and starts again
    second.nudges.add_source(lambda session, now, settings: [nudge(n) for n in range(10)])
    assert second.nudges.derive().enqueued == 0  # deriving again after the restart adds nothing
    second.sender.drain()
    assert delivered(fake) == Counter({f"Action {n} is due in 3 days": 1 for n in range(10)})
    second.db.dispose()


def test_rows_of_a_sender_that_died_are_reclaimed_after_the_lease(
    database_url: str, fake: FakeSlack, clock: ManualClock
) -> None:
    dead = make_ctx(database_url, fake, clock, worker="dead")
    rooms(fake, 2)
    put(dead, nudge(1, recipient=room(0)), nudge(2, recipient=room(1)))
    with dead.db.session() as session:  # claimed, then the process was killed before sending
        rows.claim_due(session, now=clock.now(), limit=10, lease=timedelta(seconds=120), worker="dead")
    alive = make_ctx(database_url, fake, clock, worker="alive")
    assert alive.sender.send_due().sent == 0  # the lease still holds
    clock.advance(seconds=121)
    assert alive.sender.send_due().sent == 2
    assert len(fake.sent_messages()) == 2
    dead.db.dispose()
    alive.db.dispose()


def test_a_sender_that_lost_its_lease_does_not_overwrite_the_new_owner(ctx: Context, clock: ManualClock) -> None:
    put(ctx, nudge(1))
    with ctx.db.session() as session:
        [row] = rows.claim_due(session, now=clock.now(), limit=1, lease=timedelta(seconds=10), worker="slow")
        clock.advance(seconds=11)
        [again] = rows.claim_due(session, now=clock.now(), limit=1, lease=timedelta(seconds=10), worker="fast")
        assert again.id == row.id
        assert rows.mark_sent(session, row.id, "slow", now=clock.now(), channel="D1", ts="1.1") is False
        assert rows.mark_sent(session, row.id, "fast", now=clock.now(), channel="D1", ts="1.2") is True


def test_429_with_retry_after_is_honoured(ctx: Context, fake: FakeSlack, clock: ManualClock) -> None:
    fake.rate_limit("chat.postMessage", limit=3, per_seconds=30)
    rooms(fake, 5)
    put(ctx, *(nudge(n, recipient=room(n)) for n in range(5)))
    report = ctx.sender.send_due(limit=4)  # four at once: the default rate's second
    assert (report.sent, report.deferred, report.paused_for) == (3, 1, 30)
    assert len(fake.calls_to("chat.postMessage")) == 4  # one of them got the 429; the 5th was never claimed
    clock.advance(seconds=29)
    assert ctx.sender.send_due(limit=4).sent == 0  # still inside Retry-After: no call at all
    assert len(fake.calls_to("chat.postMessage")) == 4
    clock.advance(seconds=1)
    assert ctx.sender.send_due(limit=4).sent == 2
    assert sorted(delivered(fake).values()) == [1] * 5


def test_server_errors_are_retried_with_backoff_until_they_pass(
    ctx: Context, fake: FakeSlack, clock: ManualClock
) -> None:
    fake.fail("chat.postMessage", "internal_error", status=500, times=2)
    put(ctx, nudge(1))
    assert ctx.sender.send_due().retried == 1
    assert ctx.sender.send_due().sent == 0  # waits out the backoff
    clock.advance(seconds=30)
    assert ctx.sender.send_due().retried == 1
    clock.advance(seconds=60)
    assert ctx.sender.send_due().sent == 1
    with ctx.db.session() as session:
        row = rows.by_key(session, "action:1:due-3d")
    assert row is not None and row.attempts == 3 and row.last_error is None


def test_slack_unreachable_is_retried(ctx: Context, fake: FakeSlack, clock: ManualClock) -> None:
    put(ctx, nudge(1))
    fake.stop()
    assert ctx.sender.send_due().retried == 1
    fake.start()  # same port is not guaranteed; point the client at the new one
    ctx.sender.client.base_url = fake.api_url
    clock.advance(minutes=1)
    assert ctx.sender.send_due().sent == 1


def test_a_message_is_given_up_after_the_last_attempt(ctx: Context, fake: FakeSlack, clock: ManualClock) -> None:
    fake.fail("chat.postMessage", "internal_error", status=500, times=None)
    put(ctx, nudge(1))
    for _ in range(3 * MAX_ATTEMPTS):  # some ticks fall outside working hours and only defer
        ctx.sender.send_due()
        with ctx.db.session() as session:
            row = rows.by_key(session, "action:1:due-3d")
        assert row is not None
        if row.status != "pending":
            break
        clock.set(row.not_before)
    assert row.status == "failed" and "gave up" in (row.last_error or "")
    assert row.attempts == MAX_ATTEMPTS
    assert len(fake.calls_to("chat.postMessage")) == MAX_ATTEMPTS


def test_permanent_errors_fail_at_once(ctx: Context, fake: FakeSlack) -> None:
    put(ctx, nudge(1, recipient="C0NOSUCH01"), nudge(2, recipient="U0GONE0001"))
    report = ctx.sender.send_due()
    assert report.failed == 2
    with ctx.db.session() as session:
        assert rows.by_key(session, "action:1:due-3d").last_error == "channel_not_found"  # type: ignore[union-attr]
        assert "deactivated" in rows.by_key(session, "action:2:due-3d").last_error  # type: ignore[union-attr]


def test_nudges_wait_for_the_recipients_working_hours_in_their_timezone(
    ctx: Context, fake: FakeSlack, clock: ManualClock
) -> None:
    # 09:00 UTC on a Wednesday: 10:00 in Berlin, 01:00 in Los Angeles.
    put(ctx, nudge(1, recipient=ANNA), nudge(2, recipient=TOM))
    report = ctx.sender.send_due()
    assert (report.sent, report.deferred) == (1, 1)
    with ctx.db.session() as session:
        tom = rows.by_key(session, "action:2:due-3d")
    assert tom is not None and tom.not_before == datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # 09:00 in LA
    clock.set(datetime(2026, 11, 25, 16, 59, tzinfo=UTC))
    assert ctx.sender.send_due().sent == 0
    clock.advance(minutes=1)
    assert ctx.sender.send_due().sent == 1


def test_channel_messages_are_not_held_for_working_hours(ctx: Context, fake: FakeSlack, clock: ManualClock) -> None:
    fake.add_channel("C0QUALITY1", "quality")
    clock.set(datetime(2026, 11, 28, 23, 0, tzinfo=UTC))  # Saturday night
    put(ctx, nudge(1, recipient="C0QUALITY1"))
    assert ctx.sender.send_due().sent == 1


def test_a_snoozable_nudge_carries_a_snooze_button(ctx: Context, fake: FakeSlack) -> None:
    put(ctx, nudge(1, snoozable=True))
    ctx.sender.send_due()
    [message] = fake.sent_messages(ANNA)
    buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["text"]["text"]) for b in buttons] == [(Action.SNOOZE, "Snooze")]
    with ctx.db.session() as session:
        assert buttons[0]["value"] == str(rows.by_key(session, "action:1:due-3d").id)  # type: ignore[union-attr]


def test_cancelled_nudges_are_not_sent(ctx: Context, fake: FakeSlack) -> None:
    put(ctx, nudge(1), Nudge(key="action:10:due-3d", recipient=ANNA, text="other"))
    with ctx.db.session() as session:
        assert rows.cancel_pending(session, "action:1:") == 1
    ctx.sender.drain()
    assert list(delivered(fake)) == ["other"]


def test_a_broken_source_does_not_hold_back_the_others(ctx: Context) -> None:
    def broken(session, now, settings):  # type: ignore[no-untyped-def]
        raise RuntimeError("bug in a feature")

    engine = NudgeEngine(ctx.db, ctx.settings, ctx.clock, [broken, lambda s, n, c: [nudge(1)]])
    report = engine.derive()
    assert (report.enqueued, report.failed_sources) == (1, 1)


def test_two_senders_on_one_postgresql_never_send_the_same_row(
    postgres_url: str, fake: FakeSlack, clock: ManualClock
) -> None:
    contexts = [make_ctx(postgres_url, fake, clock, worker=f"instance-{i}", outbox_per_second=7) for i in range(2)]
    rooms(fake, 300)
    put(contexts[0], *(nudge(n, recipient=room(n)) for n in range(300)))
    start = threading.Barrier(2)

    def run(sender: Sender) -> None:
        start.wait()
        while sender.send_due().sent:
            pass

    threads = [threading.Thread(target=run, args=(c.sender,)) for c in contexts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = delivered(fake)
    assert len(counts) == 300 and set(counts.values()) == {1}
    with contexts[0].db.session() as session:
        assert rows.status_counts(session) == {"sent": 300}
    senders = Counter(c.args["channel"] for c in fake.calls_to("chat.postMessage"))
    assert sum(senders.values()) == 300
    for c in contexts:
        c.db.dispose()


def test_two_instances_deriving_the_same_nudges_enqueue_each_once(
    database_url: str, fake: FakeSlack, clock: ManualClock
) -> None:
    contexts = [make_ctx(database_url, fake, clock, worker=f"i{i}") for i in range(2)]
    for c in contexts:
        c.nudges.add_source(lambda session, now, settings: [nudge(n) for n in range(50)])
    start = threading.Barrier(2)
    reports = []

    def derive(c: Context) -> None:
        start.wait()
        reports.append(c.nudges.derive())

    threads = [threading.Thread(target=derive, args=(c,)) for c in contexts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.enqueued for r in reports) == 50
    assert sum(r.failed_sources for r in reports) == 0
    for c in contexts:
        c.db.dispose()


def test_one_persons_messages_go_out_in_the_order_they_were_queued(ctx: Context, fake: FakeSlack) -> None:
    """The first was held for working hours (a later time than the second was given), yet it goes first."""
    now = ctx.clock.now()
    first = Nudge(key="note:1", recipient=ANNA, text="answered", not_before=now + timedelta(minutes=5))
    second = Nudge(key="note:2", recipient=ANNA, text="resolved", not_before=now)
    put(ctx, first, second)
    ctx.clock.advance(minutes=10)
    ctx.sender.drain()
    assert [m["text"] for m in fake.sent_messages(ANNA)] == ["answered", "resolved"]
