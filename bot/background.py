"""The periodic work in a process of its own, started and stopped by `qms-bot run`.

Deriving nudges, sending the outbox and the webhooks, forgetting old event ids and archiving
sent messages cost CPU. In the serving process they would share one interpreter (one GIL)
with the listeners that must answer people within Slack's 3 seconds, and a tick that finds
a thousand reminders due would slow every ack meanwhile. In a process of its own they run on
another core. Nothing else needs to change for it: whatever the two processes share lives in
the database, whose outbox keys and leases already let two instances run on one database.
The serving process keeps what is its own: the people directory kept warm for forms.

The background process lives and dies with the bot: it stops when asked (and finishes the
posts in flight), stops as the bot does when a supervisor signals them both, and dies with a
bot that was killed, so that no orphan goes on sending beside the bot's next start. Should it
end by itself, the bot says so and starts it again.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from bot.workspace.config import Settings

log = logging.getLogger(__name__)

STOP = "stop"
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
# How long a stopping bot waits for the posts in flight before it kills the process.
STOP_WAIT_SECONDS = 15.0
# A process that ended is started again after the first wait, one that keeps ending within
# HEALTHY_AFTER_SECONDS of its start after the next ones.
RESTART_AFTER_SECONDS = (1.0, 5.0, 30.0)
HEALTHY_AFTER_SECONDS = 60.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def wanted(settings: Settings) -> bool:
    """Whether the periodic work runs in a process of its own: QMS_BACKGROUND_PROCESS, and a
    database another process can open (an in-memory SQLite database is the process's own)."""
    url = settings.database_url
    return settings.background_process and not (url.startswith("sqlite") and _in_memory(url))


def _in_memory(url: str) -> bool:
    return url in ("sqlite://", "sqlite:///") or ":memory:" in url or "mode=memory" in url


class BackgroundProcess:
    """The periodic work's process: `start()` it once, `stop()` it once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._spawn = multiprocessing.get_context("spawn")  # no fork of a threaded process
        self._process: BaseProcess | None = None
        self._to_child: Connection | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._started_at = 0.0
        self._watcher = threading.Thread(target=self._watch, name="background-watch", daemon=True)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        self._launch()
        self._watcher.start()

    def _launch(self) -> None:
        if self._to_child is not None:
            self._to_child.close()  # the pipe to a process that ended
        ours, theirs = self._spawn.Pipe()
        # The values, not the object: settings read from a qms.toml are of a class made for
        # that file, which a spawned process cannot import.
        values = self.settings.model_dump()
        process = self._spawn.Process(target=main, args=(values, theirs, os.getpid()), name="qms-bot background")
        # Started with SIGINT and SIGTERM blocked (the mask is inherited): a Ctrl-C or a
        # supervisor's SIGTERM that comes while it imports waits for its handlers in main().
        held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        theirs.close()  # the child's end lives in the child only: its death is our EOF
        self._process, self._to_child = process, ours
        self._started_at = time.monotonic()
        log.debug("background process started (pid %s)", process.pid)

    def _watch(self) -> None:
        """Start the process again should it end by itself, less often each time it does.
        Only this thread reaps a process that ended by itself, and `stop()` only one that was
        asked to stop: two threads waiting for one child would race for its exit status."""
        failures = 0
        while True:
            process = self._process
            assert process is not None
            multiprocessing.connection.wait([process.sentinel])
            with self._lock:
                if self._stopping.is_set():
                    return
                process.join()
            # Said when it is started again, not when it ended: a supervisor's SIGTERM to the
            # whole group stops it a moment before the bot, which is no failure.
            failures = failures + 1 if time.monotonic() - self._started_at < HEALTHY_AFTER_SECONDS else 1
            delay = RESTART_AFTER_SECONDS[min(failures, len(RESTART_AFTER_SECONDS)) - 1]
            if self._stopping.wait(delay):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                log.error(
                    "the background process (nudges, sending) had ended with exit code %s; starting it again",
                    process.exitcode,
                )
                self._launch()

    def stop(self) -> None:
        """Ask the process to stop, wait for the posts in flight, then make sure it is gone."""
        with self._lock:
            self._stopping.set()
            process, pipe = self._process, self._to_child
        if process is None or pipe is None:
            return
        with contextlib.suppress(OSError):
            pipe.send(STOP)
        process.join(STOP_WAIT_SECONDS)
        if process.is_alive():
            log.warning("the background process did not stop within %.0f s; killing it", STOP_WAIT_SECONDS)
            process.kill()
            process.join()
        pipe.close()


class _Stopped(Exception):
    """SIGTERM reached the background process (a supervisor signals the bot's whole group)."""


def _stop(*_: object) -> None:
    raise _Stopped


def main(values: dict[str, Any], parent: Connection, bot_pid: int) -> None:
    """The background process: the scheduler's periodic jobs until the bot says stop, closes
    its end of the pipe (it died), or SIGTERM comes."""
    _die_with(bot_pid)
    # Ctrl-C reaches every process in the terminal's group; the bot stops us when it stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    scheduler = ctx = None
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # one that came meanwhile lands here
        from bot.app import build_context
        from bot.delivery.scheduler import make_scheduler
        from bot.workspace.config import explicit_settings
        from bot.workspace.logs import configure_logging

        settings = explicit_settings(**values)
        configure_logging(settings)
        ctx = build_context(settings)
        scheduler = make_scheduler(ctx, periodic=True, directory=False)
        scheduler.start()
        parent.recv()  # STOP, or EOFError when the bot is gone
    except EOFError:
        os._exit(1)  # the bot was killed: go as it went, without finishing anything
    except _Stopped:
        pass
    if scheduler is not None:
        scheduler.shutdown(wait=True)  # the posts in flight are marked sent before we go
    if ctx is not None:
        ctx.later_trail.close()
        ctx.db.dispose()


def _die_with(bot_pid: int) -> None:
    """On Linux the kernel kills this process when the bot's process dies, even by SIGKILL;
    elsewhere the pipe's end of file says the same a moment later."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != bot_pid:  # the bot died before the line above: nobody is left to stop us
        os._exit(1)
