"""What runs before Slack's 3-second ack, and what was moved out of its way (issue 17):
refused attempts written to the trail after the answer, in batches; people and groups found
in a directory kept warm in the background; a late ack said once, plainly; an idle server
that waits instead of spinning."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.logger.messages import warning_did_not_call_ack
from slack_sdk.errors import SlackApiError
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

import storage.db as storage_db
from bot.app import DB_BUSY, friendly_error
from bot.delivery.scheduler import make_scheduler
from bot.delivery.trail import LaterTrail
from bot.server import health_app, make_server, stop_server
from bot.standin.sandbox import ANNA, BEN, QUINN, Sandbox
from bot.workspace.clock import ManualClock
from bot.workspace.people import Directory
from handlers.listeners import _BoltDeadlineLines, _TrackedAck
from storage.audit import history, verify
from storage.db import Database, make_engine
from storage.migrate import upgrade
from storage.models import RecordSequence
from tests.flows import press, raise_nc


@pytest.fixture
def sb(clock: ManualClock) -> Iterator[Sandbox]:
    with Sandbox(clock=clock) as sandbox:
        yield sandbox


def refusal(at: Any, n: int = 0) -> dict[str, Any]:
    return {
        "at": at,
        "actor": BEN.id,
        "record_type": "nonconformity",
        "record_ref": f"NC-2026-{n:04d}",
        "action": "refused",
        "after": {"step": "contain"},
        "note": "Only the NC owner can record containment.",
    }


# --- refused attempts: after the answer, in batches --------------------------------------------


def test_a_refused_press_is_answered_first_and_its_trail_event_keeps_the_time_of_the_press(
    sb: Sandbox, clock: ManualClock
) -> None:
    sb.ctx.later_trail = LaterTrail(sb.db, every=3600)  # the writer waits: what is queued stays queued
    nc = raise_nc(sb, owner=ANNA.id)
    pressed_at = clock.now()
    press(sb, BEN, nc, "Record containment")
    assert "Only the NC owner" in sb.fake.responses[-1].args["text"]
    with sb.db.session() as session:
        assert [e.action for e in history(session, "nonconformity", nc.number)] == ["raised"]
    assert sb.ctx.later_trail.pending() == 1
    clock.advance(minutes=5)
    assert sb.ctx.later_trail.flush() == 1
    with sb.db.session() as session:
        events = history(session, "nonconformity", nc.number)
    assert [(e.action, e.actor, e.after) for e in events][-1] == ("refused", BEN.id, {"step": "contain"})
    assert events[-1].at.replace(tzinfo=pressed_at.tzinfo) == pressed_at


def test_queued_refusals_are_written_in_one_transaction_in_order_and_the_chain_holds(db: Database) -> None:
    trail = LaterTrail(db, every=3600)
    now = ManualClock().now()
    for n in range(50):
        trail.add(**refusal(now + timedelta(seconds=n), n))
    commits: list[int] = []

    def count(connection: Any) -> None:
        commits.append(1)

    event.listen(db.engine, "commit", count)
    try:
        assert trail.flush() == 50
    finally:
        event.remove(db.engine, "commit", count)
    assert len(commits) == 1
    with db.session() as session:
        refs = [e.record_ref for e in history(session, "nonconformity", "NC-2026-0000")]
        assert refs == ["NC-2026-0000"]
        verdict = verify(session)
    assert verdict.broken_at is None and verdict.checked == 50
    trail.close()


def test_a_batch_the_database_refuses_stays_queued_and_goes_next_time(db: Database, monkeypatch: Any) -> None:
    trail = LaterTrail(db, every=3600)
    now = ManualClock().now()
    trail.add(**refusal(now, 1))
    trail.add(**refusal(now, 2))
    real = db.session

    def down() -> Any:
        raise OperationalError("BEGIN", {}, Exception("database is locked"))

    monkeypatch.setattr(db, "session", down)
    with pytest.raises(OperationalError):
        trail.flush()
    assert trail.pending() == 2
    monkeypatch.setattr(db, "session", real)
    assert trail.flush() == 2
    with db.session() as session:
        assert [e.record_ref for e in history(session, "nonconformity", "NC-2026-0001")] == ["NC-2026-0001"]
    trail.close()


def test_a_clean_stop_writes_what_is_queued_and_what_comes_after_it(db: Database) -> None:
    trail = LaterTrail(db, every=3600)
    now = ManualClock().now()
    trail.add(**refusal(now, 1))
    trail.close()
    assert trail.pending() == 0
    trail.add(**refusal(now, 2))  # a listener finishing while the bot stops
    assert trail.pending() == 0
    with db.session() as session:
        assert verify(session).checked == 2


def test_the_queue_is_bounded_and_says_what_it_dropped(db: Database, caplog: Any) -> None:
    trail = LaterTrail(db, every=3600, limit=3)
    now = ManualClock().now()
    for n in range(5):
        trail.add(**refusal(now, n))
    assert (trail.pending(), trail.dropped) == (3, 2)
    assert "dropped the oldest" in caplog.text
    trail.close()
    with db.session() as session:
        assert [e.record_ref for e in history(session, "nonconformity", "NC-2026-0004")] == ["NC-2026-0004"]
        assert history(session, "nonconformity", "NC-2026-0000") == []


def test_the_writer_thread_writes_without_being_asked(db: Database) -> None:
    trail = LaterTrail(db, every=0.0)
    written = threading.Event()
    event.listen(db.engine, "commit", lambda connection: written.set())
    trail.add(**refusal(ManualClock().now(), 1))
    assert written.wait(timeout=10)  # a real thread: waited for, not slept on
    trail.close()
    with db.session() as session:
        assert verify(session).checked == 1


# --- a late ack, said once and plainly ---------------------------------------------------------


def test_a_late_ack_is_logged_once_with_how_long_it_took(caplog: Any) -> None:
    acked: list[Any] = []
    late = _TrackedAck(lambda *a, **k: acked.append(k), "on_raise_submit", arrived=time.monotonic() - 3.4)
    with caplog.at_level(logging.WARNING, logger="handlers.listeners"):
        late(response_action="clear")
        late()
    lines = [r.getMessage() for r in caplog.records if r.name == "handlers.listeners"]
    assert len(lines) == 1 and len(acked) == 2
    assert lines[0].startswith("on_raise_submit answered Slack 3.4 s after the request arrived")
    assert "3-second deadline" in lines[0]


def test_an_ack_in_time_says_nothing(caplog: Any) -> None:
    in_time = _TrackedAck(lambda *a, **k: None, "on_nc", arrived=time.monotonic() - 0.2)
    with caplog.at_level(logging.WARNING, logger="handlers.listeners"):
        in_time()
    assert not [r for r in caplog.records if r.name == "handlers.listeners"]


def test_bolts_two_misleading_lines_for_a_late_ack_are_dropped_on_the_apps_own_logger(sb: Sandbox) -> None:
    logger = sb.app.logger
    # Bolt's listener runner logs the first line on the app's logger, then the app the second.
    assert sb.app._listener_runner.logger is logger
    assert any(isinstance(f, _BoltDeadlineLines) for f in logger.filters)
    kept: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append(record.getMessage())

    handler = Keep()
    logger.addHandler(handler)
    try:
        logger.warning(warning_did_not_call_ack("on_raise_submit"))
        logger.warning("Unhandled request ({'type': 'view_submission'})\n---\n[Suggestion] ...")
        logger.warning("Unhandled request ({'type': 'block_actions'})")  # a real one stays
    finally:
        logger.removeHandler(handler)
    assert kept == ["Unhandled request ({'type': 'block_actions'})"]


# --- people and groups, kept warm -------------------------------------------------------------


def test_a_warm_directory_answers_the_forms_without_asking_slack(sb: Sandbox, clock: ManualClock) -> None:
    sb.fake.add_usergroup("S0MANAGERS", [QUINN.id])
    directory = Directory(sb.ctx.client, clock)
    directory.warm(["S0MANAGERS"])
    calls = len(sb.fake.calls)
    for _ in range(3):  # the job runs every 5 minutes, the people are fetched every half hour
        clock.advance(minutes=5)
        directory.warm(["S0MANAGERS"])
    assert [c.method for c in sb.fake.calls[calls:]] == ["usergroups.users.list"] * 3
    calls = len(sb.fake.calls)
    assert directory.person(BEN.id) is not None and directory.person(BEN.id).name == "Ben Okafor"  # type: ignore[union-attr]
    assert directory.group_members("S0MANAGERS") == {QUINN.id}
    assert sb.fake.calls[calls:] == []


def test_when_slack_cannot_answer_a_refresh_what_was_known_is_used(sb: Sandbox, clock: ManualClock) -> None:
    sb.fake.add_usergroup("S0MANAGERS", [QUINN.id])
    directory = Directory(sb.ctx.client, clock)
    directory.warm(["S0MANAGERS"])
    clock.advance(hours=7)  # past every time-to-live
    sb.fake.fail("usergroups.users.list", "internal_error", times=None)
    sb.fake.fail("users.info", "internal_error", times=None)
    directory.warm(["S0MANAGERS"])  # logged, not raised
    assert directory.group_members("S0MANAGERS") == {QUINN.id}
    assert directory.person(ANNA.id) is not None
    with pytest.raises(SlackApiError):
        Directory(sb.ctx.client, clock).group_members("S0MANAGERS")  # never known: the error stands


def test_the_scheduler_warms_the_directory_at_start_and_every_five_minutes(sb: Sandbox) -> None:
    scheduler = make_scheduler(sb.ctx)
    job = scheduler.get_job("warm-directory")
    assert job is not None and job.trigger.interval == timedelta(minutes=5)
    assert job.next_run_time is not None  # at start, not five minutes after it


# --- the HTTP server waits when idle and stops at once -------------------------------------------


def test_the_server_waits_in_select_and_stop_wakes_it(db: Database) -> None:
    server = make_server(health_app(db), "127.0.0.1", 0, threads=1)
    # waitress reads its loop timeout as whole seconds: 0.02 became 0, a loop that never slept.
    assert server.adj.asyncore_loop_timeout >= 1
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    stop_server(server)
    thread.join(timeout=0.5)  # well inside the loop's 1 s: the stop woke it
    assert not thread.is_alive()


# --- a lock held too long: the form is answered, nothing is half-written -----------------------


def test_a_write_waits_for_a_lock_at_most_its_bound_then_fails_plainly(database_url: str) -> None:
    holder = Database(database_url)
    upgrade(holder.engine)
    quick = Database(database_url, engine=make_engine(database_url, lock_wait=0.1))
    with holder.session() as session:
        session.add(RecordSequence(prefix="LK", year=2026, last=1))
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with holder.session() as session:
            row = session.get(RecordSequence, ("LK", 2026))
            assert row is not None
            row.last = 2
            session.flush()  # the row (SQLite: the database) is locked until this commits
            held.set()
            release.wait(timeout=10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(timeout=10)
        started = time.monotonic()
        with pytest.raises(OperationalError) as failed:
            with quick.session() as session:
                row = session.get(RecordSequence, ("LK", 2026))
                assert row is not None
                row.last = 3
                session.flush()
        assert time.monotonic() - started < 2.0  # its own bound, not the holder's transaction
        assert friendly_error(failed.value) == DB_BUSY
    finally:
        release.set()
        thread.join(timeout=10)
        quick.dispose()
    with holder.session() as session:
        row = session.get(RecordSequence, ("LK", 2026))
        assert row is not None and row.last == 2  # the one that waited too long wrote nothing
    holder.dispose()


def holding_a_write(db: Database, prefix: str, held: threading.Event, release: threading.Event) -> threading.Thread:
    """A thread that holds `db`'s write lock (a new sequence row flushed, not committed) from
    `held` until `release`."""

    def hold() -> None:
        with db.session() as session:
            session.add(RecordSequence(prefix=prefix, year=2026, last=1))
            session.flush()
            held.set()
            release.wait(timeout=10)

    return threading.Thread(target=hold)


def test_writers_of_one_process_queue_for_sqlite_and_a_long_wait_fails_plainly(tmp_path: Path) -> None:
    """Writers in one process wait their turn in a queue (woken when the one before ends,
    not polling SQLite's busy handler); the queue keeps the same bound and the same answer."""
    url = f"sqlite:///{tmp_path / 'q.db'}"
    # SQLite's own wait is long here: a waiter failing within the queue's bound never reached it.
    db = Database(url, engine=make_engine(url, lock_wait=5.0), lock_wait=0.1)
    upgrade(db.engine)
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def write_after() -> None:
        with db.session() as session:  # queued behind the holder, no busy error
            row = session.get(RecordSequence, ("LK", 2026))
            assert row is not None
            row.last = 2
        done.set()

    holder = holding_a_write(db, "LK", held, release)
    holder.start()
    try:
        assert held.wait(timeout=10)
        started = time.monotonic()
        with pytest.raises(OperationalError) as failed:
            with db.session():
                pass
        assert 0.1 <= time.monotonic() - started < 2.0  # the queue's bound, not busy_timeout's 5 s
        assert friendly_error(failed.value) == DB_BUSY
        waiter = threading.Thread(target=write_after)
        waiter.start()
        release.set()
        waiter.join(timeout=10)
        assert done.is_set()
    finally:
        release.set()
        holder.join(timeout=10)
    with db.read() as session:
        row = session.get(RecordSequence, ("LK", 2026))
        assert row is not None and row.last == 2
    db.dispose()


def test_a_writer_waiting_for_another_process_looks_often_and_leaves_busy_timeout_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another Database on the file stands for another process (the background process): its
    lock is not in this one's queue, so the write waits in storage.db._begin_immediate."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    other, ours = Database(url), Database(url, lock_wait=10.0)
    upgrade(other.engine)
    held, release, waiting, done = threading.Event(), threading.Event(), threading.Event(), threading.Event()
    pauses: list[float] = []

    def pause(seconds: float) -> None:  # the loop's look again, without the wait
        pauses.append(seconds)
        waiting.set()
        release.wait(timeout=10)

    monkeypatch.setattr(storage_db.time, "sleep", pause)

    def write() -> None:
        with ours.session() as session:
            row = session.get(RecordSequence, ("PR", 2026))
            assert row is not None
            row.last = 2
            timeouts.append(session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar())
        done.set()

    timeouts: list[int] = []
    holder, writer = holding_a_write(other, "PR", held, release), threading.Thread(target=write)
    holder.start()
    try:
        assert held.wait(timeout=10)
        writer.start()
        assert waiting.wait(timeout=10)  # it found the lock held and looks again, not SQLite's handler
    finally:
        release.set()
        holder.join(timeout=10)
        writer.join(timeout=10)
    assert done.is_set() and pauses[0] == storage_db.FIRST_LOOK and max(pauses) <= storage_db.LAST_LOOK
    assert timeouts == [10_000]  # busy_timeout is back for the transaction's other statements
    with ours.read() as session:
        row = session.get(RecordSequence, ("PR", 2026))
        assert row is not None and row.last == 2
    other.dispose()
    ours.dispose()


def test_building_many_apps_keeps_one_deadline_filter_on_bolts_logger(sb: Sandbox) -> None:
    from bot.app import create_app

    for _ in range(3):
        create_app(sb.ctx)
    assert sum(isinstance(f, _BoltDeadlineLines) for f in sb.app.logger.filters) == 1
