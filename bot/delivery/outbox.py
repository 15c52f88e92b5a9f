"""The nudge outbox: enqueue once under a unique key, deliver once, in working hours.

Each row is claimed under a lease just before its post, sent with chat.postMessage and
marked sent with the returned `ts` in a transaction of its own. Posts run on a few threads
at once, paced by bot/delivery/pacing.py (the rate, Retry-After, one post a second per
conversation). A sender that dies leaves its claimed rows to be reclaimed when the lease
runs out; chat.postMessage has no idempotency key, so the messages in flight at a crash
(at most `Sender.in_flight`, ceil(QMS_OUTBOX_PER_SECOND) + 1) are the only ones that can
be repeated.
"""

from __future__ import annotations

import logging
import math
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.pacing import Pacer, Turns, WaitUntil, retry_after_seconds, waiting_on
from bot.registry import Action
from bot.surfaces.blocks import MAX_MESSAGE_BLOCKS, actions, button
from bot.surfaces.mrkdwn import is_user_id, truncate
from bot.workspace.clock import Clock
from bot.workspace.config import Settings
from bot.workspace.people import Directory
from bot.workspace.working_hours import next_working_moment
from storage import outbox as rows
from storage.db import Database
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

# kind of attachment -> spec -> (filename, content, title)
Renderer = Callable[[dict[str, Any]], tuple[str, bytes, str]]
MAX_ATTEMPTS = 8
MAX_TEXT = 3000
# Errors that will not go away by trying again: the row is marked failed for a person to see.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "account_inactive",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "restricted_action",
        "cannot_dm_bot",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
    }
)


@dataclass(frozen=True)
class Nudge:
    """A message to deliver. `key` names it uniquely, e.g. `action:42:due-3d`."""

    key: str
    recipient: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    not_before: datetime | None = None
    record_ref: str | None = None
    in_working_hours: bool = True
    snoozable: bool = False
    thread_ts: str | None = None
    attachment: dict[str, Any] | None = None  # a file rendered at send time (see Sender.renderers)

    def row_values(self, now: datetime) -> dict[str, Any]:
        if not self.key or len(self.key) > 200:
            raise ValueError(f"outbox key must be 1-200 characters, got {len(self.key)}")
        blocks = self.blocks
        limit = MAX_MESSAGE_BLOCKS - (1 if self.snoozable else 0)
        if blocks is not None and len(blocks) > limit:
            raise ValueError(f"a nudge has at most {limit} blocks, got {len(blocks)}")
        return {
            "key": self.key,
            "recipient": self.recipient,
            "text": truncate(self.text, MAX_TEXT),
            "blocks": blocks,
            "thread_ts": self.thread_ts,
            "record_ref": self.record_ref,
            "in_working_hours": self.in_working_hours and is_user_id(self.recipient),
            "snoozable": self.snoozable and is_user_id(self.recipient),
            "status": "pending",
            "not_before": self.not_before or now,
            "attempts": 0,
            "created_at": now,
            "attachment": self.attachment,
        }


def enqueue(session: Any, nudge: Nudge, now: datetime) -> bool:
    """Add `nudge` to the outbox in the caller's transaction; False if its key was already there."""
    return rows.enqueue(session, nudge.row_values(now))


def with_snooze_button(blocks: list[dict[str, Any]] | None, text: str, message_id: int) -> list[dict[str, Any]]:
    body = list(blocks) if blocks else [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    return body + [actions("nudge_actions", [button("Snooze", Action.SNOOZE, str(message_id))])]


@dataclass
class SendReport:
    sent: int = 0
    deferred: int = 0
    retried: int = 0
    failed: int = 0
    lost_lease: int = 0
    kept_back: int = 0  # due, but its conversation had a post under a second ago
    paused_for: float = 0.0
    errors: list[str] = field(default_factory=list)


class Sender:
    """Posts due rows at `outbox_per_second`, up to `in_flight` at once (ceil(rate) + 1 unless
    given), each row claimed just before its post and settled right after in its own
    transaction: a crash repeats at most the posts that were in flight."""

    def __init__(
        self,
        db: Database,
        client: WebClient,
        directory: Directory,
        settings: Settings,
        clock: Clock,
        worker: str | None = None,
        renderers: dict[str, Renderer] | None = None,
        *,
        wait_until: WaitUntil | None = None,
        in_flight: int | None = None,
    ) -> None:
        self.renderers = renderers or {}
        self.db = db
        self.client = client
        self.directory = directory
        self.settings = settings
        self.clock = clock
        self.worker = worker or f"{socket.gethostname()}:{id(self):x}"
        self.wait_until = wait_until or waiting_on(clock)
        self.pacer = Pacer(settings.outbox_per_second, clock, self.wait_until)
        self.in_flight = in_flight or math.ceil(settings.outbox_per_second) + 1
        self._busy = threading.Lock()
        self._claiming = threading.Lock()
        self._tally = threading.Lock()

    @property
    def batch_size(self) -> int:
        # Called once a second by the scheduler: a tick's budget is one second of the rate.
        return max(1, math.ceil(self.settings.outbox_per_second))

    def send_due(self, limit: int | None = None) -> SendReport:
        """One tick: up to `limit` (a second's worth) posts, paced, on up to `in_flight` threads."""
        report = SendReport()
        if not self._busy.acquire(blocking=False):
            return report  # the previous tick is still sending
        try:
            now = self.clock.now()
            report.paused_for = self.pacer.paused_for(now)
            if report.paused_for:
                return report
            turns = Turns(limit or self.batch_size)
            deadline = now + timedelta(seconds=1)
            threads = min(self.in_flight, turns.left)
            if threads == 1:
                self._take_turns(turns, deadline, report)
            else:
                with ThreadPoolExecutor(threads, thread_name_prefix="outbox") as pool:
                    for done in [pool.submit(self._take_turns, turns, deadline, report) for _ in range(threads)]:
                        done.result()
            return report
        finally:
            self._busy.release()

    def drain(self, max_rounds: int = 10_000) -> SendReport:
        """Send until nothing is due now (the demo and the tests), waiting out the per-channel spacing."""
        total = SendReport()
        for _ in range(max_rounds):
            report = self.send_due()
            for name in ("sent", "deferred", "retried", "failed", "lost_lease", "kept_back"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            total.errors += report.errors
            total.paused_for = report.paused_for
            if report.paused_for:
                break
            if not (report.sent or report.retried or report.failed or report.lost_lease):
                free = self.pacer.next_free()
                if not (report.kept_back and free):
                    break
                self.wait_until(free)
        return total

    def _take_turns(self, turns: Turns, deadline: datetime, report: SendReport) -> None:
        """A thread of the tick: wait for a turn, claim one row, post it, until the tick ends."""
        while turns.take():
            if not self.pacer.take(deadline):
                turns.stop()  # paused by a 429, or the next turn belongs to the next tick
                return
            message = self._claim_one(report)
            if message is None:
                turns.stop()
                return
            try:
                self._deliver(message, report)
            finally:
                self.pacer.end(message.recipient)

    def _claim_one(self, report: SendReport) -> OutboxMessage | None:
        """Claim the oldest due row whose conversation may have a post now (one at a time in this
        process, so two threads never pick the same conversation in the same second)."""
        lease = timedelta(seconds=self.settings.outbox_lease_seconds)
        with self._claiming:
            now = self.clock.now()
            busy = self.pacer.busy(now)
            with self.db.session() as session:
                claimed = rows.claim_due(
                    session, now=now, limit=1, lease=lease, worker=self.worker, skip_recipients=busy
                )
                if not claimed and busy and rows.any_due(session, now):
                    report.kept_back += 1
            if not claimed:
                return None
            self.pacer.begin(claimed[0].recipient, now)
            return claimed[0]

    # --- one message ---

    def _deliver(self, message: OutboxMessage, report: SendReport) -> None:
        """Try to deliver one claimed row."""
        assert message.id is not None
        now = self.clock.now()
        try:
            if message.in_working_hours:
                when = self._working_moment(message.recipient, now)
                if when is None:
                    self._settle(
                        report, "failed", rows.mark_failed, message, error="recipient is deactivated or unknown"
                    )
                    return
                if when > now:
                    self._settle(report, "deferred", rows.defer, message, not_before=when)
                    return
            if message.attachment:
                self._send_file(message, message.attachment, report)
                return
            blocks = message.blocks
            if message.snoozable and self.settings.snooze_limit > 0:
                blocks = with_snooze_button(blocks, message.text, message.id)
            response = self.client.chat_postMessage(
                channel=message.recipient,
                text=message.text,
                blocks=blocks,
                thread_ts=message.thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            self._on_slack_error(message, exc, report)
            return
        except Exception as exc:  # connection refused, timeout: try again later
            self._retry(message, f"{type(exc).__name__}: {exc}", report)
            return
        self._settle(
            report,
            "sent",
            rows.mark_sent,
            message,
            now=self.clock.now(),
            channel=response["channel"],
            ts=response["ts"],
        )

    def _send_file(self, message: OutboxMessage, attachment: dict[str, Any], report: SendReport) -> None:
        """Draw a queued file and upload it; Slack's errors go up to `_deliver`, which retries."""
        if str(attachment.get("kind")) not in self.renderers:
            self._settle(
                report,
                "failed",
                rows.mark_failed,
                message,
                error=f"nothing draws a {attachment.get('kind')!r} file",
            )
            return
        waiting = self._parent_pending(message, report)
        if waiting:
            return
        try:
            drawn = self.renderers[str(attachment["kind"])](attachment)
        except (KeyError, ValueError, TypeError) as exc:  # a bad spec will not get better
            self._settle(report, "failed", rows.mark_failed, message, error=f"could not draw the file: {exc!r}")
            return
        channel, file_id = self._upload(message, drawn)
        self._settle(report, "sent", rows.mark_sent, message, now=self.clock.now(), channel=channel, ts=file_id)

    def _parent_pending(self, message: OutboxMessage, report: SendReport) -> bool:
        """A file that belongs to another message (`after`) waits for it, and is dropped with it."""
        after = (message.attachment or {}).get("after")
        if not after:
            return False
        with self.db.read() as session:
            parent = rows.by_key(session, str(after))
        status = parent.status if parent else "cancelled"
        if status == "sent":
            return False
        if status in ("pending", "sending"):
            self._settle(report, "deferred", rows.defer, message, not_before=self.clock.now() + timedelta(seconds=30))
        else:
            self._settle(
                report, "failed", rows.mark_failed, message, error=f"{after} was not delivered, so neither is its file"
            )
        return True

    def _upload(self, message: OutboxMessage, drawn: tuple[str, bytes, str]) -> tuple[str, str]:
        """Upload a drawn file with the row's text as its comment; (channel, file id)."""
        filename, content, title = drawn
        channel = message.recipient
        if is_user_id(channel):  # files go to a conversation: the person's DM with the bot
            channel = self.client.conversations_open(users=channel)["channel"]["id"]
        uploaded = self.client.files_upload_v2(
            channel=channel,
            content=content,
            filename=filename,
            title=title,
            initial_comment=message.text,
            thread_ts=message.thread_ts,
            request_file_info=False,
        )
        files = uploaded.get("files") or [{}]
        return channel, str(files[0].get("id") or "")

    def _working_moment(self, user_id: str, now: datetime) -> datetime | None:
        person = self.directory.person(user_id)
        if person is None or person.deleted:
            return None
        try:
            zone = ZoneInfo(person.tz) if person.tz else self.settings.zone
        except (ZoneInfoNotFoundError, ValueError):
            zone = self.settings.zone
        return next_working_moment(now, zone, self.settings.working_window, self.settings.working_weekdays)

    def _on_slack_error(self, message: OutboxMessage, exc: SlackApiError, report: SendReport) -> None:
        error = str(exc.response.get("error") or exc.response.status_code)
        if exc.response.status_code == 429 or error == "ratelimited":
            # Everyone waits: the other threads' next turns, and the next ticks. The row goes
            # back untouched, not as a failed attempt.
            retry_after = retry_after_seconds(exc.response.headers)
            until = self.pacer.pause(retry_after)
            report.paused_for = max(report.paused_for, retry_after)
            self._settle(report, "deferred", rows.defer, message, not_before=until)
            return
        if error in PERMANENT_ERRORS:
            self._settle(report, "failed", rows.mark_failed, message, error=error)
        else:
            self._retry(message, error, report)

    def _retry(self, message: OutboxMessage, error: str, report: SendReport) -> None:
        report.errors.append(error)
        if message.attempts + 1 >= MAX_ATTEMPTS:
            self._settle(
                report, "failed", rows.mark_failed, message, error=f"gave up after {MAX_ATTEMPTS} tries: {error}"
            )
            return
        backoff = timedelta(seconds=min(3600, 30 * 2**message.attempts))
        self._settle(report, "retried", rows.retry_later, message, not_before=self.clock.now() + backoff, error=error)

    def _settle(self, report: SendReport, outcome: str, how: Any, message: OutboxMessage, **values: Any) -> None:
        with self.db.session() as session:
            held = how(session, message.id, self.worker, **values)
        outcome = outcome if held else "lost_lease"
        with self._tally:  # the tick's threads share one report
            setattr(report, outcome, getattr(report, outcome) + 1)
        if not held:
            log.warning("outbox row %s was reclaimed by another sender before we settled it", message.id)
