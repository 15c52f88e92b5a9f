"""The periodic ticks: derive nudges, send the outbox, forget old event ids.

APScheduler 3 cannot share a job store between processes, so its jobs stay in memory and
only tick; everything that must survive a restart or be shared lives in the database.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import Context
from storage.events import RETENTION, forget_events_before

log = logging.getLogger(__name__)


def make_scheduler(ctx: Context) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
    scheduler.add_job(_derive, "interval", args=[ctx], seconds=ctx.settings.nudge_every_seconds, id="derive-nudges", **common)
    scheduler.add_job(_send, "interval", args=[ctx], seconds=1, id="send-outbox", **common)
    if ctx.settings.webhooks:
        scheduler.add_job(_send_webhooks, "interval", args=[ctx], seconds=2, id="send-webhooks", **common)
    scheduler.add_job(_forget_events, "interval", args=[ctx], hours=6, id="forget-events", **common)
    return scheduler


def _derive(ctx: Context) -> None:
    report = ctx.nudges.derive()
    if report.enqueued:
        log.info("queued %d nudges", report.enqueued)


def _send(ctx: Context) -> None:
    try:
        report = ctx.sender.send_due()
    except Exception:
        log.exception("outbox tick failed; will try again")
        return
    if report.sent or report.failed:
        log.info("outbox: %d sent, %d failed, %d deferred", report.sent, report.failed, report.deferred)


def _send_webhooks(ctx: Context) -> None:
    try:
        report = ctx.webhooks.send_due()
    except Exception:
        log.exception("webhook tick failed; will try again")
        return
    if report.sent or report.failed:
        log.info("webhooks: %d sent, %d retried, %d failed", report.sent, report.retried, report.failed)


def _forget_events(ctx: Context) -> None:
    with ctx.db.session() as session:
        forget_events_before(session, ctx.clock.now() - RETENTION)
