"""Trail events that need not be written before a person is answered: refused attempts.

A refusal changes no record, yet an auditor may ask who tried what, so it goes on the trail.
Written on the request path it cost a transaction of its own (the chain lock, the head hash,
an fsync on SQLite) for every refused press: the costliest part of answering one. Refusals
are queued here instead and written together, in one transaction a batch, by a thread of
their own, at most `every` seconds after the first of them was queued.

What this gives up: a bot killed with refusals queued loses those (at most `every` seconds
of them; a clean stop writes them). Each event keeps the time of the refusal itself.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any

from storage.audit import record_changes
from storage.db import Database

log = logging.getLogger(__name__)

EVERY_SECONDS = 0.25
# Far more refusals than people press in a burst: past it the oldest are dropped, and said.
QUEUE_LIMIT = 10_000


class LaterTrail:
    def __init__(self, db: Database, every: float = EVERY_SECONDS, limit: int = QUEUE_LIMIT) -> None:
        self._db = db
        self._every = every
        self._limit = limit
        self._queue: deque[dict[str, Any]] = deque()
        self._lock = threading.Lock()
        self._writing = threading.Lock()  # one batch at a time keeps the events in their order
        self._queued = threading.Event()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self.dropped = 0

    def add(self, **event: Any) -> None:
        """Queue one event (the arguments of `storage.audit.record_change`, `at` included)."""
        with self._lock:
            if len(self._queue) >= self._limit:
                self._queue.popleft()
                self.dropped += 1
                log.warning("the trail's queue of refusals is full; dropped the oldest (%d so far)", self.dropped)
            self._queue.append(event)
            closed = self._closing.is_set()
            if self._thread is None and not closed:
                self._thread = threading.Thread(target=self._run, name="later-trail", daemon=True)
                self._thread.start()
        if closed:  # a listener finishing while the bot stops: nobody is left to write it later
            self.close()
        self._queued.set()

    def refusal(self, *, at: Any, actor: str, record_type: str, record_ref: str, step: str, note: str) -> None:
        """Queue a refused attempt at `step` on a record: the one shape every process writes."""
        self.add(
            at=at,
            actor=actor,
            record_type=record_type,
            record_ref=record_ref,
            action="refused",
            after={"step": step},
            note=note,
        )

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def flush(self) -> int:
        """Write everything queued now, in one transaction; how many events were written.

        On a database error the batch goes back to the front of the queue and the error is
        raised: the writer's thread logs it and tries again later."""
        with self._writing:
            with self._lock:
                batch = list(self._queue)
                self._queue.clear()
            if not batch:
                return 0
            try:
                with self._db.session() as session:
                    record_changes(session, batch)
            except Exception:
                with self._lock:
                    self._queue.extendleft(reversed(batch))
                raise
            return len(batch)

    def close(self) -> None:
        """Stop the writer and write what is left (a clean stop loses nothing)."""
        self._closing.set()
        self._queued.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=10)
        try:
            self.flush()
        except Exception:
            log.exception("could not write %d refused attempts to the trail before stopping", self.pending())

    def _run(self) -> None:
        while not self._closing.is_set():
            self._queued.wait()
            self._queued.clear()
            # Wait a little for more: a burst of presses becomes one transaction.
            self._closing.wait(self._every)
            try:
                self.flush()
            except Exception:
                log.exception("could not write refused attempts to the trail; will try again")
                self._queued.set()
