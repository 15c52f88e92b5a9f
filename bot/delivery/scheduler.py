"""The periodic ticks: derive nudges, send the outbox, forget old event ids.

APScheduler 3 cannot share a job store between processes, so its jobs stay in memory and
only tick; everything that must survive a restart or be shared lives in the database.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.background import BackgroundScheduler

from bot.delivery.retention import archive_old_messages
from bot.workspace.people import WARM_GROUPS_EVERY
from storage.events import RETENTION, forget_events_before

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.context import Context

SUMMARY_EVERY_SECONDS = 60


class Tally:
    """What the ticks did since the last summary, told once a minute at INFO (each tick's own
    line is DEBUG): a bot that sends a nudge a second would otherwise log a line a second."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, **counts: int) -> None:
        with self._lock:
            self._counts.update({name: n for name, n in counts.items() if n})

    def take(self) -> str | None:
        """The summary since the last one ("in the last minute: 12 messages sent, …"), or None
        when nothing was queued, sent or failed; the counts start again from nothing."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        parts = [
            f"{counts[name]} {label}"
            for name, label in (
                ("nudges", "nudges queued"),
                ("outbox_sent", "messages sent"),
                ("outbox_failed", "messages failed"),
                ("webhooks_sent", "webhook events delivered"),
                ("webhooks_failed", "webhook events failed"),
                ("archived", "sent messages archived"),
            )
            if counts[name]
        ]
        return f"in the last minute: {', '.join(parts)}" if parts else None


def summarise(tally: Tally) -> None:
    line = tally.take()
    if line:
        log.info(line)


def make_scheduler(ctx: Context, tally: Tally | None = None, *, periodic: bool = True) -> BackgroundScheduler:
    """The jobs of one process: the `periodic` work (nudges, sending, clean-up; in the
    background process when there is one, bot/background.py), and keeping this process's
    people directory warm, which both need: forms check people before their ack, and the
    sender holds each message for its recipient's working hours in their own timezone."""
    tally = tally or Tally()
    scheduler = BackgroundScheduler(timezone="UTC")
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
    if periodic:
        every = ctx.settings.nudge_every_seconds
        scheduler.add_job(_derive, "interval", args=[ctx, tally], seconds=every, id="derive-nudges", **common)
        scheduler.add_job(_send, "interval", args=[ctx, tally], seconds=1, id="send-outbox", **common)
        if ctx.settings.webhooks:
            scheduler.add_job(_send_webhooks, "interval", args=[ctx, tally], seconds=2, id="send-webhooks", **common)
        scheduler.add_job(_forget_events, "interval", args=[ctx], hours=6, id="forget-events", **common)
        scheduler.add_job(_archive_outbox, "interval", args=[ctx, tally], hours=1, id="archive-outbox", **common)
        scheduler.add_job(summarise, "interval", args=[tally], seconds=SUMMARY_EVERY_SECONDS, id="summary", **common)
    # At start, then every few minutes: people and groups are found without a Slack call each.
    scheduler.add_job(
        _warm_directory,
        "interval",
        args=[ctx],
        seconds=WARM_GROUPS_EVERY.total_seconds(),
        id="warm-directory",
        next_run_time=datetime.now(UTC),
        **common,
    )
    return scheduler


def _derive(ctx: Context, tally: Tally) -> None:
    report = ctx.nudges.derive()
    if report.enqueued:
        log.debug("queued %d nudges", report.enqueued)
        tally.add(nudges=report.enqueued)


def _send(ctx: Context, tally: Tally) -> None:
    _send_queue("outbox", ctx.sender.send_due, tally)


def _send_webhooks(ctx: Context, tally: Tally) -> None:
    _send_queue("webhooks", ctx.webhooks.send_due, tally)


def _send_queue(name: str, send_due: Callable[[], Any], tally: Tally) -> None:
    try:
        report = send_due()
    except Exception:
        log.exception("%s tick failed; will try again", name)
        return
    if report.sent or report.failed:
        log.debug("%s: %d sent, %d failed", name, report.sent, report.failed)
        tally.add(**{f"{name}_sent": report.sent, f"{name}_failed": report.failed})


def _warm_directory(ctx: Context) -> None:
    ctx.directory.warm(ctx.roles.groups())


def _archive_outbox(ctx: Context, tally: Tally) -> None:
    archived = archive_old_messages(ctx.db, ctx.clock, ctx.settings)
    if archived:
        log.debug("outbox: archived %d messages sent more than %d days ago", archived, ctx.settings.outbox_keep_days)
        tally.add(archived=archived)


def _forget_events(ctx: Context) -> None:
    with ctx.db.session() as session:
        forget_events_before(session, ctx.clock.now() - RETENTION)
