"""The periodic ticks: derive nudges, send the outbox, forget old event ids.

APScheduler 3 cannot share a job store between processes, so its jobs stay in memory and
only tick; everything that must survive a restart or be shared lives in the database.
"""

from __future__ import annotations

import logging
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


def make_scheduler(ctx: Context) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
    scheduler.add_job(
        _derive, "interval", args=[ctx], seconds=ctx.settings.nudge_every_seconds, id="derive-nudges", **common
    )
    scheduler.add_job(_send, "interval", args=[ctx], seconds=1, id="send-outbox", **common)
    if ctx.settings.webhooks:
        scheduler.add_job(_send_webhooks, "interval", args=[ctx], seconds=2, id="send-webhooks", **common)
    scheduler.add_job(_forget_events, "interval", args=[ctx], hours=6, id="forget-events", **common)
    scheduler.add_job(_archive_outbox, "interval", args=[ctx], hours=1, id="archive-outbox", **common)
    # At start, then every few minutes: forms find people and groups without asking Slack.
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


def _derive(ctx: Context) -> None:
    report = ctx.nudges.derive()
    if report.enqueued:
        log.info("queued %d nudges", report.enqueued)


def _send(ctx: Context) -> None:
    _send_queue("outbox", ctx.sender.send_due)


def _send_webhooks(ctx: Context) -> None:
    _send_queue("webhooks", ctx.webhooks.send_due)


def _send_queue(name: str, send_due: Callable[[], Any]) -> None:
    try:
        report = send_due()
    except Exception:
        log.exception("%s tick failed; will try again", name)
        return
    if report.sent or report.failed:
        log.info("%s: %d sent, %d failed", name, report.sent, report.failed)


def _warm_directory(ctx: Context) -> None:
    ctx.directory.warm(ctx.roles.groups())


def _archive_outbox(ctx: Context) -> None:
    archived = archive_old_messages(ctx.db, ctx.clock, ctx.settings)
    if archived:
        log.info("outbox: archived %d messages sent more than %d days ago", archived, ctx.settings.outbox_keep_days)


def _forget_events(ctx: Context) -> None:
    with ctx.db.session() as session:
        forget_events_before(session, ctx.clock.now() - RETENTION)
