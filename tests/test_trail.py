"""The audit trail's hash chain: backfilled by the migration, never forked, tampering found."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.cli import main
from storage.audit import AUDIT_HOOKS, GENESIS, chain_hash, record_change, record_changes, verify
from storage.db import Database
from storage.migrate import alembic_config, upgrade
from storage.models import AuditEvent

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _record(db: Database, n: int, actor: str = "U0QUINN001", start: int = 0) -> None:
    for k in range(start, start + n):
        with db.session() as session:
            record_change(
                session,
                at=NOW + timedelta(minutes=k),
                actor=actor,
                record_type="nonconformity",
                record_ref=f"NC-2026-{k + 1:04d}",
                action="raised",
                after={"title": f"Scratch {k}", "rating": 4.5},
                note="ok",
            )


def tamper(db: Database, *statements: str) -> None:
    """Run SQL with the append-only triggers out of the way, as someone with database access could."""
    with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        else:
            connection.execute(text("DROP TRIGGER audit_event_no_update"))
            connection.execute(text("DROP TRIGGER audit_event_no_delete"))
        for statement in statements:
            connection.execute(text(statement))


def _verdict(db: Database):
    with db.session() as session:
        return verify(session)


def test_each_event_links_to_the_one_before(db: Database) -> None:
    _record(db, 3)
    with db.session() as session:
        events = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))))
    assert events[0].prev_hash == GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.event_hash for e in events[:-1]]
    assert all(chain_hash(e, e.prev_hash) == e.event_hash for e in events)
    verdict = _verdict(db)
    assert verdict.intact and verdict.checked == 3 and verdict.head == events[-1].event_hash


def test_a_batch_appends_in_order_and_reads_the_head_once(db: Database) -> None:
    _record(db, 2)
    changes = [
        {"at": NOW + timedelta(hours=1, minutes=k), "actor": "U0ANNA0001", "record_type": "nonconformity"}
        | {"record_ref": "NC-2026-0001", "action": "refused", "after": {"step": "contain"}, "note": f"try {k}"}
        for k in range(4)
    ]
    heads: list[str] = []
    hooked: list[str | None] = []
    with db.session() as session:
        session.info[AUDIT_HOOKS] = [lambda _s, event: hooked.append(event.note)]

        def listen(_connection, _cursor, statement: str, *_: object) -> None:
            if "audit_event.event_hash" in statement:
                heads.append(statement)

        sa_event.listen(db.engine, "before_cursor_execute", listen)
        try:
            written = record_changes(session, changes)
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listen)
    assert len(heads) == 1  # the head hash, once for the batch
    assert hooked == ["try 0", "try 1", "try 2", "try 3"]
    with db.session() as session:
        events = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))))
    assert [e.note for e in events] == ["ok", "ok", "try 0", "try 1", "try 2", "try 3"]
    assert [e.id for e in events[2:]] == [w.id for w in written]
    assert [e.prev_hash for e in events[1:]] == [e.event_hash for e in events[:-1]]
    assert _verdict(db).intact


def test_an_edited_event_is_found(db: Database) -> None:
    _record(db, 4)
    tamper(db, "UPDATE audit_event SET actor = 'U0MALLORY1' WHERE id = 3")
    verdict = _verdict(db)
    assert not verdict.intact and verdict.broken_at == 3 and verdict.checked == 2
    assert "was changed after it was written" in (verdict.problem or "")


def test_an_edited_json_value_is_found(db: Database) -> None:
    _record(db, 2)
    tamper(db, """UPDATE audit_event SET "after" = '{"title": "Nothing to see", "rating": 4.5}' WHERE id = 1""")
    assert _verdict(db).broken_at == 1


def test_a_deleted_event_is_found(db: Database) -> None:
    _record(db, 4)
    tamper(db, "DELETE FROM audit_event WHERE id = 2")
    verdict = _verdict(db)
    assert verdict.broken_at == 3
    assert "does not link to the event before it (#1): an event between them was deleted" in (verdict.problem or "")


def test_a_forged_event_is_found(db: Database) -> None:
    _record(db, 2)
    forged = (
        "INSERT INTO audit_event (id, at, actor, record_type, record_ref, action, note, prev_hash, event_hash) "
        f"VALUES (3, '2026-11-25 10:00:00', 'U0QUINN001', 'nonconformity', 'NC-2026-0009', 'closed', NULL, '{'1' * 64}', '{'2' * 64}')"
    )
    tamper(db, forged)
    assert _verdict(db).broken_at == 3


def test_an_event_slipped_in_between_is_named(postgres_url: str) -> None:
    db = Database(postgres_url)
    upgrade(db.engine)
    _record(db, 1)
    with pytest.raises(RuntimeError):  # uses up id 2 on PostgreSQL's sequence
        with db.session() as session:
            record_change(session, at=NOW, actor="U0QUINN001", record_type="x", record_ref="x", action="x")
            raise RuntimeError
    _record(db, 1, start=1)
    with db.session() as session:
        first = session.get(AuditEvent, 1)
        assert first is not None and session.get(AuditEvent, 3) is not None
        fake = AuditEvent(
            id=2,
            at=NOW + timedelta(seconds=30),
            actor="U0MALLORY1",
            record_type="nonconformity",
            record_ref="NC-2026-0001",
            action="cancelled",
            prev_hash=first.event_hash,
            event_hash="",
        )
        fake.event_hash = chain_hash(fake, first.event_hash)
    tamper(
        db,
        "ALTER TABLE audit_event DROP CONSTRAINT uq_audit_event_prev_hash",
        f"INSERT INTO audit_event (id, at, actor, record_type, record_ref, action, prev_hash, event_hash) VALUES "
        f"(2, '{fake.at.isoformat()}', 'U0MALLORY1', 'nonconformity', 'NC-2026-0001', 'cancelled', '{fake.prev_hash}', '{fake.event_hash}')",
    )
    verdict = _verdict(db)
    assert verdict.broken_at == 2 and "was inserted" in (verdict.problem or "")
    db.dispose()


def test_two_events_cannot_follow_the_same_one(db: Database) -> None:
    _record(db, 1)
    with pytest.raises(IntegrityError):
        with db.session() as session:
            head = session.get(AuditEvent, 1)
            assert head is not None
            session.add(
                AuditEvent(
                    at=NOW,
                    actor="U0QUINN001",
                    record_type="x",
                    record_ref="x",
                    action="x",
                    prev_hash=head.prev_hash,
                    event_hash="f" * 64,
                )
            )


def test_concurrent_writers_keep_one_chain(db: Database) -> None:
    # Two instances of the bot on one database (two engines), each with several threads.
    other = Database(db.url)
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def write(database: Database, who: int) -> None:
        start.wait()
        try:
            for k in range(6):
                with database.session() as session:
                    record_change(
                        session,
                        at=NOW,
                        actor=f"U0WRITER{who:02d}",
                        record_type="nonconformity",
                        record_ref=f"NC-2026-{who:02d}{k:02d}",
                        action="raised",
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(db if i % 2 else other, i)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.dispose()
    assert errors == []
    verdict = _verdict(db)
    assert verdict.intact and verdict.checked == 48


def test_the_migration_chains_an_existing_trail(database_url: str) -> None:
    db = Database(database_url)
    config = alembic_config(database_url)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    with db.engine.begin() as connection:
        for k in range(3):
            connection.execute(
                text(
                    "INSERT INTO audit_event (at, actor, record_type, record_ref, action, \"after\") VALUES (:at, 'U0QUINN001', 'nonconformity', :ref, 'raised', :after)"
                ),
                {
                    "at": (NOW + timedelta(hours=k)).replace(tzinfo=None)
                    if db.dialect == "sqlite"
                    else NOW + timedelta(hours=k),
                    "ref": f"NC-2026-000{k}",
                    "after": '{"b": 1, "a": [1, 2]}',
                },
            )
    upgrade(db.engine)
    verdict = _verdict(db)
    assert verdict.intact and verdict.checked == 3
    _record(db, 1)  # new events carry on from the backfilled head
    assert _verdict(db).checked == 4
    with pytest.raises(Exception, match="append-only"):
        with db.session() as session:
            session.execute(text("UPDATE audit_event SET actor = 'U0MALLORY1'"))
    db.dispose()


def test_verify_trail_command(tmp_path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'qms.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    db = Database(url)
    upgrade(db.engine)
    _record(db, 3)
    assert main(["verify-trail"]) == 0
    assert "audit trail intact: 3 events" in capsys.readouterr().out
    tamper(db, "UPDATE audit_event SET note = 'rewritten' WHERE id = 2")
    assert main(["verify-trail"]) == 1
    out = capsys.readouterr().out
    assert "audit trail BROKEN at event #2" in out and "1 event(s) before it verify" in out
    db.dispose()
