"""Engine and sessions for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from storage import marks  # noqa: F401  (its session events keep every record's nudge mark true)
from storage.audit import AUDIT_HOOKS, AuditHook

READ_ONLY = "qms_read_only"
# How long a write waits for a lock another transaction holds. Every transaction here is short
# (a tick's batch, a form's record), so a longer wait means something is wrong, and a person's
# form must be answered within Slack's 3 seconds: better "nothing was saved, try again" in the
# form than Slack's "trouble connecting" while the work goes on. Both databases, the same bound.
LOCK_WAIT_SECONDS = 2


def make_engine(url: str, lock_wait: float = LOCK_WAIT_SECONDS, **kw: Any) -> Engine:
    """`lock_wait`: seconds a statement waits for a lock before it fails (migrations wait longer)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": lock_wait}, **kw)
        _configure_sqlite(engine, lock_wait)
        return engine
    options = {"options": f"-c lock_timeout={int(lock_wait * 1000)}"}
    return create_engine(url, pool_pre_ping=True, connect_args=options, **kw)


def _configure_sqlite(engine: Engine, lock_wait: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction starts (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_wait * 1000)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
        # writes can fail at once with "database is locked" when another thread wrote
        # meanwhile, and busy_timeout cannot help it. Our transactions are short.
        # Long reads (Database.reading) only read: a deferred BEGIN gives them a snapshot
        # (WAL) without keeping every writer waiting for minutes.
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.exec_driver_sql("BEGIN")
        else:
            _begin_immediate(connection, lock_wait)


# How often a writer of another process looks again for SQLite's write lock: from the first
# step, doubling up to the last. SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ms
# between looks, so a writer finding the lock held for 4 ms waited 8, and the writers of its
# process queued behind it waited as long (the background process's short writes made a
# submission's p99 1.26-1.30 times what it was without them; looking every 0.2-2 ms, 1.15).
FIRST_LOOK, LAST_LOOK = 0.0002, 0.002


def _begin_immediate(connection: Any, lock_wait: float) -> None:
    """BEGIN IMMEDIATE, waiting up to `lock_wait` for the write lock another process holds,
    looking again every FIRST_LOOK..LAST_LOOK seconds; busy_timeout still serves every other
    statement (the rare read that meets a checkpoint or a recovery)."""
    raw = connection.connection.dbapi_connection
    deadline = time.monotonic() + lock_wait
    pause = FIRST_LOOK
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if "database is locked" not in str(exc.orig) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, LAST_LOOK)
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(lock_wait * 1000)}")


class Database:
    """The one handle the rest of the bot uses to reach the records."""

    def __init__(self, url: str, engine: Engine | None = None, lock_wait: float = LOCK_WAIT_SECONDS) -> None:
        self.url = url
        self.engine = engine or make_engine(url, lock_wait)
        self.lock_wait = lock_wait
        # SQLite has one writer at a time, and a writer waiting for it polls (busy_timeout sleeps
        # and retries), so under a stream of short writes one unlucky waiter can miss every turn
        # and fail after the whole wait though no transaction was long. Writers of this process
        # queue here instead, woken the moment the one before them ends; a writer of another
        # process on the same file (the background process, a second instance, a migration)
        # is waited for in _begin_immediate.
        self._writers = threading.RLock() if self.dialect == "sqlite" else None
        # Run in the transaction of every audit event appended through this handle
        # (bot/app.py registers the webhook queue), by name so registering twice is harmless.
        self.audit_hooks: dict[str, AuditHook] = {}

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        if self._writers is None:
            with self._unit_of_work() as session:
                yield session
            return
        if not self._writers.acquire(timeout=self.lock_wait):
            # What SQLite itself says when its lock wait runs out, so it is answered the same way.
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
        try:
            with self._unit_of_work() as session:
                yield session
        finally:
            self._writers.release()

    @contextmanager
    def _unit_of_work(self) -> Iterator[Session]:
        with Session(
            self.engine, expire_on_commit=False, info={AUDIT_HOOKS: list(self.audit_hooks.values())}
        ) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A short read (a list, a nudge tick's look for what is due): it never takes SQLite's
        write lock, so it neither waits for a writer nor holds one up; nothing written is kept."""
        with self._read_only() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A long read (the evidence export, verifying the trail): one consistent snapshot
        that never holds SQLite's write lock; nothing written in it is kept."""
        with self._read_only(isolation_level="REPEATABLE READ") as session:
            yield session

    @contextmanager
    def _read_only(self, **postgresql: Any) -> Iterator[Session]:
        options: dict[str, Any] = {READ_ONLY: True}
        if self.dialect == "postgresql":
            options.update(postgresql, postgresql_readonly=True)
        with self.engine.connect().execution_options(**options) as connection:
            with Session(bind=connection, expire_on_commit=False) as session:
                try:
                    yield session
                finally:
                    # What was read stays readable after the block, as with session():
                    # detached first, since a rollback would expire it.
                    session.expunge_all()
                    session.rollback()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()


def sqlite_in_memory(url: str) -> bool:
    """An SQLite database that lives in its connection's process, which no other process can open."""
    parsed = make_url(url)
    in_memory = parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"
    return parsed.get_backend_name() == "sqlite" and in_memory


def missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file `url` names when it does not exist yet: connecting would create it."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or sqlite_in_memory(url):
        return None
    path = Path(parsed.database or "")
    return None if path.exists() else path
