"""Schema, record numbers, the audit trail and event dedupe, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import SQLModel

from storage.audit import history, record_change
from storage.db import Database
from storage.events import claim_event, forget_events_before
from storage.migrate import current_revision, head_revision, upgrade
from storage.sequences import next_number

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_migrations_create_exactly_the_tables_the_models_describe(db: Database) -> None:
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []
    assert current_revision(db.engine) == head_revision()


def test_migrating_twice_is_harmless(db: Database) -> None:
    upgrade(db.engine)
    assert current_revision(db.engine) == head_revision()


def test_sqlite_runs_with_foreign_keys_and_wal(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'q.db'}")
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_record_numbers_count_per_prefix_and_year(db: Database) -> None:
    with db.session() as session:
        numbers = [next_number(session, "NC", 2026) for _ in range(3)]
        numbers.append(next_number(session, "TR", 2026))
        numbers.append(next_number(session, "NC", 2027))
    assert numbers == ["NC-2026-0001", "NC-2026-0002", "NC-2026-0003", "TR-2026-0001", "NC-2027-0001"]


def test_a_rolled_back_record_leaves_no_gap(db: Database) -> None:
    with pytest.raises(RuntimeError):
        with db.session() as session:
            next_number(session, "NC", 2026)
            raise RuntimeError("the submission failed half way")
    with db.session() as session:
        assert next_number(session, "NC", 2026) == "NC-2026-0001"


def test_concurrent_submissions_get_distinct_gapless_numbers(db: Database) -> None:
    taken: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def submit() -> None:
        start.wait()
        for _ in range(5):
            with db.session() as session:
                number = next_number(session, "NC", 2026)
            with lock:
                taken.append(number)

    workers = [threading.Thread(target=submit) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(taken) == [f"NC-2026-{n:04d}" for n in range(1, 41)]


def test_audit_trail_is_append_only(db: Database) -> None:
    with db.session() as session:
        record_change(
            session,
            at=NOW,
            actor="U0QUINN001",
            record_type="nonconformity",
            record_ref="NC-2026-0001",
            action="opened",
            after={"title": "Scratch"},
        )
    with db.session() as session:
        events = history(session, "nonconformity", "NC-2026-0001")
    assert [(e.actor, e.action, e.after) for e in events] == [("U0QUINN001", "opened", {"title": "Scratch"})]
    assert events[0].at == NOW
    for statement in ("UPDATE audit_event SET actor = 'U0MALLORY1'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.session() as session:
                session.execute(text(statement))


def test_an_event_id_is_claimed_once(db: Database) -> None:
    with db.session() as session:
        assert claim_event(session, "Ev01", NOW) is True
    with db.session() as session:
        assert claim_event(session, "Ev01", NOW) is False
        assert claim_event(session, "Ev02", NOW) is True
    with db.session() as session:
        assert forget_events_before(session, datetime(2026, 11, 26, tzinfo=UTC)) == 2


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        with db.session() as session:
            record_change(
                session, at=datetime(2026, 1, 1), actor="U0QUINN001", record_type="x", record_ref="x", action="x"
            )


def test_outbox_keys_are_unique_in_the_database(db: Database) -> None:
    from storage.models import OutboxMessage

    row = {"recipient": "U0ANNA0001", "text": "hi", "not_before": NOW, "created_at": NOW}
    with pytest.raises(IntegrityError):
        with db.session() as session:
            session.add(OutboxMessage(key="a:1", **row))
            session.add(OutboxMessage(key="a:1", **row))
