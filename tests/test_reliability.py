"""Reliability: a killed bot, two bots on one database, Slack down, the database down.

Narrower cases live beside the code they test (tests/test_outbox.py: a restart, a dead
sender's lease, two senders on PostgreSQL; tests/test_training.py: a sender dying halfway
through 1,000 cards). These run the whole bot, over real HTTP, for longer stretches.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from subprocess import Popen

from sqlalchemy import create_engine, text
from sqlmodel import col, select

from bot.app import DB_DOWN, Context, build_context
from bot.delivery.outbox import Nudge, enqueue
from bot.standin.fakeslack import FakeSlack
from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from storage import outbox as rows
from storage.db import Database
from storage.migrate import upgrade
from storage.models import OutboxMessage
from tests.flows import ANSWERS, free_port, make_ctx, raise_nc, record_counts, start, stop, wait_for_line

FANOUT = 1000
# The scheduler sends one tick at a time per process (APScheduler max_instances=1 and
# Sender._busy); a tick posts on at most Sender.in_flight threads (ceil(rate) + 1), each
# claiming one row just before its post and marking it sent in its own transaction right
# after Slack answers. So when the process is killed, the rows that can have reached Slack
# without being marked sent are the ones in flight: at most ceil(QMS_OUTBOX_PER_SECOND) + 1,
# 51 at the 50 msg/s used here. Every other row is pending, or claimed and not yet posted,
# and comes back when its lease runs out.
IN_FLIGHT = 51
DOUBLES_PER_KILL = IN_FLIGHT


def read_log_until(process: Popen[str], needle: str, condition: Callable[[], bool]) -> None:
    """Read the bot's log (blocking on its pipe, no polling) until a line with `needle` comes
    after which `condition` holds: the sender logs "outbox: N sent" (DEBUG) once a batch is marked."""
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if needle in line and condition():
            return
    raise AssertionError(f"the bot stopped before '{needle}' with the condition met:\n" + "".join(seen[-40:]))


def recipient(n: int) -> str:
    return f"U0R{n:07d}"


def queue_fanout(url: str) -> Database:
    db = Database(url)
    upgrade(db.engine)
    with db.session() as session:
        now = datetime.now(UTC)
        for n in range(FANOUT):
            # Not held for working hours: the real clock may be at night.
            enqueue(
                session, Nudge(key=f"bench:{n}", recipient=recipient(n), text=f"Card {n}", in_working_hours=False), now
            )
    return db


def posts_per_recipient(fake: FakeSlack) -> Counter[str]:
    return Counter(str(c.args.get("channel")) for c in fake.calls_to("chat.postMessage", ok=True))


def test_a_killed_bot_restarted_delivers_every_message_and_doubles_at_most_the_one_in_flight(tmp_path: Path) -> None:
    # On SQLite, the default: a file database is what a SIGKILL can hurt (WAL recovery on
    # the next start). PostgreSQL survives its client's death; its claim path (SKIP LOCKED)
    # is exercised by the two-instance tests below. The fan-out runs at the 50 msg/s cap,
    # so this test takes about 20 s either way.
    database_url = f"sqlite:///{tmp_path / 'qms.db'}"
    with FakeSlack() as fake:
        for n in range(FANOUT):
            fake.add_user(recipient(n), f"r{n}")
        db = queue_fanout(database_url)
        # At debug the sender logs each batch it marked ("outbox: N sent"), which the log is read for.
        env = {"DATABASE_URL": database_url, "QMS_OUTBOX_PER_SECOND": "50", "QMS_LOG_LEVEL": "debug"}

        first = start(tmp_path, fake, free_port(), **env)
        try:
            wait_for_line(first, "serving Slack requests")
            assert fake.wait_until(lambda calls: sum(c.method == "chat.postMessage" for c in calls) >= 300, timeout=30)
        finally:
            first.kill()  # SIGKILL: no clean-up of any kind
            first.wait(timeout=10)
        with db.session() as session:
            in_flight = {
                m.recipient for m in session.exec(select(OutboxMessage).where(col(OutboxMessage.status) == "sending"))
            }
            counts = rows.status_counts(session)
        assert counts.get("sent", 0) >= 300 - DOUBLES_PER_KILL and counts.get("sending", 0) <= IN_FLIGHT
        # The killed sender's lease (QMS_OUTBOX_LEASE_SECONDS, at least 60 s) runs out: moved
        # here rather than waited for; tests/test_outbox.py covers the lease itself on a clock.
        with db.session() as session:
            session.execute(
                text("UPDATE outbox_message SET lease_until = :past WHERE status = 'sending'"),
                {"past": "2000-01-01 00:00:00"},
            )

        second = start(tmp_path, fake, free_port(), **env)
        try:
            wait_for_line(second, "serving Slack requests")
            assert fake.wait_until(
                lambda calls: len({c.args.get("channel") for c in calls if c.method == "chat.postMessage"}) >= FANOUT,
                timeout=60,
            )

            def all_marked() -> bool:
                with db.session() as session:
                    return rows.status_counts(session) == {"sent": FANOUT}

            read_log_until(second, "outbox: ", all_marked)
        finally:
            stop(second)
        db.dispose()

    posts = posts_per_recipient(fake)
    assert set(posts) == {recipient(n) for n in range(FANOUT)}  # none lost
    doubled = {r: n for r, n in posts.items() if n > 1}
    assert sum(n - 1 for n in doubled.values()) <= DOUBLES_PER_KILL, doubled
    assert set(doubled) <= in_flight  # and only a row that was in flight at the kill


# --- two instances on one database -----------------------------------------------------------


def test_two_instances_over_three_weeks_send_each_nudge_and_each_digest_once(
    database_url: str, clock: ManualClock
) -> None:
    with Sandbox(clock=clock, database_url=database_url, worker="instance-a") as sb:
        for n, due in enumerate(("2026-11-30", "2026-12-04", "2026-12-09")):
            raise_nc(
                sb, title=f"Reliability {n}", owner=ANNA.id if n % 2 else BEN.id, due_date=due, severity="critical"
            )
        sb.ctx.sender.drain()  # the cards and confirmations of raising
        other_db = Database(database_url)
        other = build_context(sb.settings, clock=clock, db=other_db, worker="instance-b")
        before = len(sb.fake.calls)
        started = clock.now()
        instances = [sb.ctx, other]
        barrier = threading.Barrier(2)
        failures: list[BaseException] = []

        def tick(ctx: Context) -> None:
            # What the scheduler's two jobs do on each instance, at the same moment.
            try:
                barrier.wait()
                ctx.nudges.derive()
                ctx.sender.drain()
            except BaseException as exc:  # surfaced below: a thread's exception is otherwise lost
                failures.append(exc)

        for _ in range(21 * 8):  # three weeks, every three hours
            clock.advance(hours=3)
            threads = [threading.Thread(target=tick, args=(c,)) for c in instances]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert not failures, failures
        other_db.dispose()

        calls = sb.fake.calls[before:]
        posted = [c for c in calls if c.method == "chat.postMessage" and c.response.get("ok")]
        uploaded = [c for c in calls if c.method == "files.completeUploadExternal" and c.response.get("ok")]
        with sb.db.session() as session:
            sent = session.exec(
                select(OutboxMessage).where(col(OutboxMessage.status) == "sent", col(OutboxMessage.sent_at) > started)
            ).all()
            unsettled = session.exec(select(OutboxMessage).where(col(OutboxMessage.status) == "sending")).all()
        assert not unsettled
        # Every delivery Slack saw is one outbox row marked sent, and the other way round.
        assert len(posted) + len(uploaded) == len(sent)
        assert sorted(str(c.response["ts"]) for c in posted) == sorted(r.ts for r in sent if not (r.attachment or {}))
        digests = [c.args["text"] for c in posted if str(c.args.get("text", "")).startswith("Quality digest for")]
        # To Lena: Monday 23 Nov's (two days late, within the grace), 30 Nov, 7 and 14 Dec.
        assert len(digests) == 4 and len(set(digests)) == 4
        assert len(uploaded) == 4  # and each digest's chart once
        reminders = Counter(r.key.rsplit(":", 1)[0] for r in sent if r.key.startswith("nc:"))
        assert len(reminders) >= 3 and sum(reminders.values()) >= 15  # the NCs were really chased
        senders = Counter(r.claimed_by for r in sent)
        assert set(senders) == {"instance-a", "instance-b"}, senders  # both really worked


# --- Slack down for a while ------------------------------------------------------------------


def test_slack_answering_500s_timeouts_and_429s_for_a_while_loses_nothing(
    database_url: str, clock: ManualClock
) -> None:
    with FakeSlack(clock) as fake:
        ctx = make_ctx(database_url, fake, clock)
        keys = [f"outage:{n}" for n in range(40)]
        with ctx.db.session() as session:
            for n, key in enumerate(keys):
                enqueue(session, Nudge(key=key, recipient=f"C0OUT{n:05d}", text=f"Reminder {n}"), clock.now())
                fake.add_channel(f"C0OUT{n:05d}", f"out-{n}")

        def tick_for(minutes: int, every: int = 5) -> int:
            """The scheduler's ticks for a while; how many sends failed and were put back."""
            retried = 0
            for _ in range(minutes * 60 // every):
                retried += ctx.sender.send_due().retried
                clock.advance(seconds=every)
            return retried

        def posts_seen() -> int:
            return len(fake.calls_to("chat.postMessage"))

        # Slack takes longer than the client waits, but the post lands (the fake posts after
        # its delay). chat.postMessage has no idempotency key, so a timed-out post that did
        # land is sent again on retry: the bound on doubles is the number of timeouts.
        fake.delay("chat.postMessage", 0.3)
        ctx.sender.client.timeout = 0.1
        timeouts = tick_for(minutes=1, every=20)
        assert timeouts > 0 and fake.wait_until(lambda calls: posts_seen() >= timeouts, timeout=5)
        fake.clear()
        ctx.sender.client.timeout = 10
        # Then 500s for eight minutes (MAX_ATTEMPTS with its backoff spans about an hour).
        fake.fail("chat.postMessage", "internal_error", status=500, times=None)
        assert tick_for(minutes=8) > len(keys)  # every row tried, most of them more than once
        fake.clear()
        fake.rate_limit("chat.postMessage", limit=5, per_seconds=60)
        tick_for(minutes=10, every=1)  # ten minutes of 429s above 5 a minute
        fake.clear()
        for _ in range(200):  # Slack is back: the scheduler ticks until the backlog is gone
            with ctx.db.session() as session:
                if rows.status_counts(session) == {"sent": len(keys)}:
                    break
            ctx.sender.send_due()
            clock.advance(seconds=30)

        with ctx.db.session() as session:
            assert rows.status_counts(session) == {"sent": len(keys)}  # nothing lost, nothing given up
        ctx.db.dispose()
        posts = Counter(m["channel"] for m in fake.sent_messages())
        assert set(posts) == {f"C0OUT{n:05d}" for n in range(len(keys))}
        assert sum(n - 1 for n in posts.values()) <= timeouts
        assert [c for c in fake.calls_to("chat.postMessage") if c.status == 429]  # the 429s really came


# --- the database down for a moment ------------------------------------------------------------


@contextmanager
def database_down(sb: Sandbox) -> Iterator[None]:
    """Make the records database refuse connections, then bring it back (no bot restart)."""
    url = sb.db.engine.url
    if url.get_backend_name() == "postgresql":
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        name = url.database
        with admin.connect() as c:
            c.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            # The bot's pooled connections die too, as when the server restarts.
            c.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": name},
            )
        try:
            yield
        finally:
            with admin.connect() as c:
                c.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            admin.dispose()
    else:
        # A file that cannot be opened (root ignores permissions, so a directory takes its place).
        path = Path(str(url.database))
        sb.db.dispose()
        aside = [
            (p, p.with_name(p.name + ".away"))
            for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
            if p.exists()
        ]
        for p, away in aside:
            p.rename(away)
        path.mkdir()
        try:
            yield
        finally:
            path.rmdir()
            for p, away in aside:
                away.rename(p)


def test_a_database_outage_gets_friendly_answers_writes_nothing_and_heals_itself(
    database_url: str, clock: ManualClock
) -> None:
    with Sandbox(clock=clock, database_url=database_url) as sb:
        nc = raise_nc(sb, owner=ANNA.id)
        before = record_counts(sb)
        sb.slack.command(ANNA, "/nc")
        form = sb.slack.last_view()
        card = sb.message(str(nc.card_channel), str(nc.card_ts))
        with database_down(sb):
            answer = sb.slack.submit(ANNA, form, {**ANSWERS, "title": "During the outage"})
            assert answer.status_code == 200
            assert answer.json()["response_action"] == "errors"
            assert DB_DOWN in answer.json()["errors"].values()  # shown in the form, which stays open
            assert sb.slack.command(ANNA, "/nc", "list open").status_code == 200
            assert sb.slack.last_response() == {
                "url": sb.slack.last_response()["url"],
                "text": DB_DOWN,
                "response_type": "ephemeral",
                "replace_original": False,
            }
            assert sb.press(ANNA, card, "Record containment").status_code == 200
            assert sb.slack.last_response()["text"] == DB_DOWN
            assert sb.slack.command(QUINN, "/feedback", "list").status_code == 200
            assert sb.slack.last_response()["text"] == DB_DOWN
        assert record_counts(sb) == before  # nothing half-written
        # Back, without a restart: the next requests work (stale pooled connections are replaced).
        assert raise_nc(sb, title="After the outage").number != nc.number
        sb.slack.command(ANNA, "/nc", "list open")
        assert "After the outage" in json.dumps(sb.slack.last_response())
        after = record_counts(sb)
        assert after["nonconformity"] == before["nonconformity"] + 1
