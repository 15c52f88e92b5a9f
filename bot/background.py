"""The periodic work in a process of its own, started and stopped by `qms-bot run`.

Deriving nudges, sending the outbox and the webhooks, forgetting old event ids and archiving
sent messages cost CPU. In the serving process they would share one interpreter (one GIL)
with the listeners that must answer people within Slack's 3 seconds, and a tick that finds
a thousand reminders due would slow every ack meanwhile. In a process of its own they run on
another core. Nothing else needs to change for it: whatever the two processes share lives in
the database, whose outbox keys and leases already let two instances run on one database.
Each process keeps its own people directory warm (forms read it before their ack, the sender
for each recipient's timezone).

The background process lives and dies with the bot: it stops when asked (and finishes the
posts in flight), stops as the bot does when a supervisor signals them both, and dies with a
bot that was killed, so that no orphan goes on sending beside the bot's next start. Should it
end by itself, the bot says so and starts it again.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot.workspace.config import Settings
from storage.db import sqlite_in_memory

log = logging.getLogger(__name__)

STOP = "stop\n"
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
# How long a stopping bot waits for the posts in flight before it kills the process.
STOP_WAIT_SECONDS = 15.0
# A process that ended is started again after the first wait, one that keeps ending within
# HEALTHY_AFTER_SECONDS of its start after the next ones.
RESTART_AFTER_SECONDS = (1.0, 5.0, 30.0)
HEALTHY_AFTER_SECONDS = 60.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h
# The folder holding this `bot` package: the child runs exactly this code, wherever it is.
SOURCE = str(Path(__file__).resolve().parent.parent)


def wanted(settings: Settings) -> bool:
    """Whether the periodic work runs in a process of its own: QMS_BACKGROUND_PROCESS, and a
    database another process can open (an in-memory SQLite database is the process's own)."""
    return settings.background_process and not sqlite_in_memory(settings.database_url)


class BackgroundProcess:
    """The periodic work's process: `start()` it once, `stop()` it once.

    A plain child (`python -m bot.background`), not multiprocessing's: spawning through
    multiprocessing also starts its resource tracker, a third process of 13 MiB here that
    does nothing for us, and imports the bot's main module again in the child."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._process: subprocess.Popen[str] | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._started_at = 0.0
        self._watcher = threading.Thread(target=self._watch, name="background-watch", daemon=True)

    def start(self) -> None:
        self._launch()
        self._watcher.start()

    def _launch(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [SOURCE, os.environ.get("PYTHONPATH")]))}
        # Started with SIGINT and SIGTERM blocked (the mask is inherited): a Ctrl-C or a
        # supervisor's SIGTERM that comes while it imports waits for its handlers.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.background", str(os.getpid())], stdin=subprocess.PIPE, text=True, env=env
            )
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        assert process.stdin is not None
        # The settings in force, as values: read again in the child, a qms.toml or an
        # environment changed meanwhile could give it others. Its stdin stays open: the bot's
        # end of it closing (the bot died) is the child's end of file.
        process.stdin.write(json.dumps(self.settings.model_dump(mode="json")) + "\n")
        process.stdin.flush()
        self._process, self._started_at = process, time.monotonic()
        log.debug("background process started (pid %s)", process.pid)

    def _watch(self) -> None:
        """Start the process again should it end by itself, less often if it keeps ending."""
        failures = 0
        while True:
            process = self._process
            assert process is not None
            process.wait()
            if self._stopping.is_set():
                return
            failures = failures + 1 if time.monotonic() - self._started_at < HEALTHY_AFTER_SECONDS else 1
            # Said when it is started again, not when it ended: a supervisor's SIGTERM to the
            # whole group stops it a moment before the bot, which is no failure.
            if self._stopping.wait(RESTART_AFTER_SECONDS[min(failures, len(RESTART_AFTER_SECONDS)) - 1]):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                log.error(
                    "the background process (nudges, sending) had ended with exit code %s; starting it again",
                    process.returncode,
                )
                _close(process)
                self._launch()

    def stop(self) -> None:
        """Ask the process to stop, wait for the posts in flight, then make sure it is gone."""
        with self._lock:
            self._stopping.set()
            process = self._process
        if process is None:
            return
        with contextlib.suppress(OSError):
            assert process.stdin is not None
            process.stdin.write(STOP)
            process.stdin.flush()
        try:
            process.wait(STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            log.warning("the background process did not stop within %.0f s; killing it", STOP_WAIT_SECONDS)
            process.kill()
            process.wait()
        _close(process)


def _close(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(OSError):
        if process.stdin is not None:
            process.stdin.close()


class _Stopped(Exception):
    """SIGTERM reached the background process (a supervisor signals the bot's whole group)."""


def _stop(*_: object) -> None:
    raise _Stopped


def main(bot_pid: int) -> None:
    """The background process: the scheduler's periodic jobs until the bot says stop, closes
    its end of our stdin (it died), or SIGTERM comes."""
    _die_with(bot_pid)
    # Ctrl-C reaches every process in the terminal's group; the bot stops us when it stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    scheduler = ctx = None
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # one that came meanwhile lands here
        first = sys.stdin.readline()
        if not first:
            os._exit(1)  # the bot died before it said anything
        from bot.app import build_context
        from bot.delivery.scheduler import make_scheduler
        from bot.server import settle_heap
        from bot.workspace.config import explicit_settings
        from bot.workspace.logs import configure_logging

        settings = explicit_settings(**json.loads(first))
        configure_logging(settings)
        ctx = build_context(settings)
        scheduler = make_scheduler(ctx, periodic=True)
        settle_heap()
        scheduler.start()
        if not sys.stdin.readline():  # STOP, or the end of file when the bot is gone
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
    elsewhere the end of its stdin says the same a moment later."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != bot_pid:  # the bot died before the line above: nobody is left to stop us
        os._exit(1)


if __name__ == "__main__":
    main(int(sys.argv[1]))
